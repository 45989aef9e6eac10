"""Public lists and search at a million submissions (measured in docs/benchmarks.md, "Feedback at national volume").

- The three publication-date indexes carry the id, the tie-break of the public order (newest published first,
  keyset paging): PostgreSQL can then read one page in index order and stop, instead of sorting every match.
  (SQLite's indexes end with the rowid anyway.)
- PostgreSQL's generated tsvector drops word positions (`strip`: quoted phrases are checked on the stored text)
  and is kept in the row (STORAGE MAIN) rather than in TOAST: testing a row while walking the date index then
  costs microseconds instead of a TOAST read.
"""

from django.db import migrations, models

PG_FORWARD = [
    "DROP INDEX IF EXISTS feedback_public_fts",
    "ALTER TABLE feedback_submission DROP COLUMN IF EXISTS public_search_vector",
    "ALTER TABLE feedback_submission ADD COLUMN public_search_vector tsvector "
    "GENERATED ALWAYS AS (strip(to_tsvector('simple'::regconfig, public_search_text))) STORED, "
    "ALTER COLUMN public_search_vector SET STORAGE MAIN",
    "CREATE INDEX feedback_public_fts ON feedback_submission USING gin (public_search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS feedback_public_fts",
    "ALTER TABLE feedback_submission DROP COLUMN IF EXISTS public_search_vector",
    "ALTER TABLE feedback_submission ADD COLUMN public_search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, public_search_text)) STORED",
    "CREATE INDEX feedback_public_fts ON feedback_submission USING gin (public_search_vector)",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0003_search")]

    operations = [
        migrations.RemoveIndex(model_name="submission", name="feedback_published"),
        migrations.RemoveIndex(model_name="submission", name="feedback_field_published"),
        migrations.RemoveIndex(model_name="submission", name="feedback_agency_published"),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(condition=models.Q(("published_at__isnull", False)), fields=["published_at", "id"],
                               name="feedback_public_order"),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(condition=models.Q(("published_at__isnull", False)),
                               fields=["field", "published_at", "id"], name="feedback_public_field"),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(condition=models.Q(("published_at__isnull", False)),
                               fields=["lead_agency", "published_at", "id"], name="feedback_public_agency"),
        ),
        migrations.RunPython(forward, backward),
    ]
