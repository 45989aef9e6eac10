"""Full-text search of what the public may find (`Submission.public_search_text`, written by
`nq57.feedback.search.index_submissions`).

- SQLite: an FTS5 table `feedback_search(body)` keyed by the submission id (rowid). It keeps its own copy of the
  text, so a row is removed by its id alone, whatever was saved in the submission since; the search module keeps
  it in step (no triggers: Django rebuilds SQLite tables when a later migration alters them, and triggers would
  be lost). `nq57 feedback_reindex` rebuilds it from the column.
- PostgreSQL: a generated `tsvector` column (the 'simple' configuration: the text is already folded, no stemming
  or stop words) with a GIN index; PostgreSQL keeps it up to date itself. The column is not in the Django model:
  only the search module reads it.
"""

from django.db import migrations, models

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS feedback_search USING fts5("
    "body, tokenize = 'unicode61 remove_diacritics 2', detail = none)",
    # Documents per word, read for the rarity of common words (similar submissions).
    "CREATE VIRTUAL TABLE IF NOT EXISTS feedback_search_vocab USING fts5vocab(feedback_search, 'row')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS feedback_search_vocab", "DROP TABLE IF EXISTS feedback_search"]
PG_CREATE = [
    "ALTER TABLE feedback_submission ADD COLUMN IF NOT EXISTS public_search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, public_search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS feedback_public_fts ON feedback_submission USING gin (public_search_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS feedback_public_fts",
    "ALTER TABLE feedback_submission DROP COLUMN IF EXISTS public_search_vector",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_CREATE, "postgresql": PG_CREATE}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_DROP, "postgresql": PG_DROP}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_defaults")]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="public_search_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(create_index, drop_index),
    ]
