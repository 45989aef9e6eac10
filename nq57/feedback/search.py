"""Search of submissions, accent-insensitive, on SQLite (FTS5) and PostgreSQL (full-text on folded text).

CONTRACT (keep the signatures):
- `build_text(title, content, extra_texts=())` → the folded text stored in `Submission.search_text`.
- `index_submissions(submissions)` → keep the full-text index in step after create/update of `search_text`,
  `hidden`, `confidential`, `published_at` (called by actions inside their transaction, after their last
  `save()` of those submissions).
- `search_public(query="", field=None, agency=None, date_from=None, date_to=None, before=None, limit=20)`
  → a list of public Submissions (`Submission.objects.public()`), newest published first; `before` is the
  (published_at, pk) of the last row of the previous page (keyset paging: no COUNT over a million rows).
- `similar(title, content="", limit=5, exclude=None)` → Submissions that look like this text, best first, among
  those a member of the public may know of: published ones and, by title and status only, non-confidential
  ones whose submitter consented to publish. Each has `.similarity` (0..1).

What is searched is never `search_text` (it holds personal data and attachment text) but
`Submission.public_search_text`, which `index_submissions` derives from what is public: the published, redacted
title, content and answer; the title alone of a consented submission not yet published; nothing otherwise. It
is stored folded, one space between words and around them (" chuyen doi so "), so that a word is matched by
`LIKE '% word %'` exactly as the full-text index matches it.

Indexes (migrations 0003_search, 0004_search_order): on SQLite an FTS5 table `feedback_search` keyed by the
submission id, kept in step here (`rebuild_index()` / `nq57 feedback_reindex` after bulk loads); on PostgreSQL a
generated tsvector column `public_search_vector` ('simple' configuration, no positions, kept in the row) with a
GIN index, kept by PostgreSQL itself.

Query words are ANDed (every word must appear); words in double quotes must also appear together, in order
(checked on the stored text once the index has narrowed the rows). The page is newest published first, and the
work must not grow with the table (docs/benchmarks.md, "Feedback at national volume"):
- PostgreSQL: the newest public rows are tested one by one in index order (the vector is in the row) up to a
  page or PG_WINDOW rows; if that window holds no page, the matches are rare and the GIN index finds them.
- SQLite: up to FTS_FIRST_CAP matches, their ids come from FTS5 and only those rows are sorted; beyond, the
  publication-date index is read newest first (covering: no row read) and each id tested against the set of
  matches (up to FTS_SET_CAP of them) or against its text in the FTS table's own narrow copy.
"""

import datetime
import re

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from nq57.core.text import fold

FTS_TABLE = "feedback_search"
PG_VECTOR = "public_search_vector"
MAX_QUERY_WORDS = 8
MAX_PUBLIC_TEXT = 50_000  # characters of public text indexed per submission
FTS_FIRST_CAP = 1000  # SQLite: sort at most this many matching rows by date; beyond, walk the date index
FTS_SET_CAP = 20_000  # SQLite: up to this many matches, the walk tests ids against the set of them
WALK_SET_BUDGET = 60_000  # ids read along the date index in that case before the matches are sorted instead
WALK_SET_FIRST_BATCH = 1000
PG_WINDOW = 3000  # PostgreSQL: newest public rows tested before asking the GIN index
WALK_FIRST_BATCH = 200  # then doubling, up to 5000
WALK_BUDGET = 20_000  # rows read along the date index before the matches are looked up the other way

_WORD = re.compile(r"[^\W_]+")


def words(text):
    """The folded words of `text`, as the full-text index splits them."""
    return _WORD.findall(fold(text))


def build_text(title, content, extra_texts=()):
    return fold(" ".join([title or "", content or "", *[t for t in extra_texts if t]]))[:200_000]


# --- What the public may find ----------------------------------------------------------------------------------

def public_text(submission, answer_text=""):
    """The folded text the public may search for `submission`, as " word word … ", or "" (see the module)."""
    from .models import State

    s = submission
    if s.hidden or s.confidential:
        return ""
    if s.is_public:
        parts = [s.public_title or (s.title if s.consent_publish else ""),
                 s.public_content or (s.content if s.consent_publish else ""), answer_text]
    elif s.consent_publish and s.state != State.CLOSED:  # closed unanswered: spam, withdrawn
        parts = [s.title]
    else:
        return ""
    found = words(" ".join(p for p in parts if p)[:MAX_PUBLIC_TEXT])
    return f" {' '.join(found)} " if found else ""


def known_to_public_q():
    """Submissions a member of the public may know of: public ones, and consented ones by title."""
    from .models import State

    return Q(hidden=False, confidential=False) & (
        Q(state__in=[State.PUBLISHED, State.CLOSED], published_at__isnull=False)
        | (Q(consent_publish=True) & ~Q(state=State.CLOSED)))


_INDEX_FIELDS = ["id", "state", "published_at", "hidden", "confidential", "consent_publish", "title", "content",
                 "public_title", "public_content", "public_search_text"]


def _published_answers(submission_ids):
    """submission id → the public text of its latest approved answer."""
    from .models import Answer

    answers = {}
    for start in range(0, len(submission_ids), 5000):
        for submission_id, text in (Answer.objects
                                    .filter(submission_id__in=submission_ids[start:start + 5000],
                                            status=Answer.Status.APPROVED)
                                    .order_by("submission_id", "version").values_list("submission_id", "public_text")):
            answers[submission_id] = text
    return answers


def index_submissions(submissions):
    """Recompute `public_search_text` of these submissions (objects or ids) from the database and keep the
    full-text index in step; the given objects get the new value too. Returns the number changed.
    During a replay of history (`replay.replaying`) the ids are kept and indexed once at the end."""
    from .models import Submission
    from .replay import active

    replay = active()
    if replay is not None:
        items = submissions if isinstance(submissions, (list, tuple, set)) else [submissions]
        replay.to_index.update(getattr(item, "pk", item) for item in items)
        return 0

    given = {}
    for item in ([submissions] if isinstance(submissions, (Submission, int)) else submissions):
        given.setdefault(getattr(item, "pk", item), []).append(item)
    given.pop(None, None)
    if not given:
        return 0
    rows = list(Submission.objects.filter(pk__in=list(given)).only(*_INDEX_FIELDS).order_by())
    answers = _published_answers([r.pk for r in rows if r.is_public and not r.hidden and not r.confidential])
    changed = 0
    for row in rows:
        text = public_text(row, answers.get(row.pk, ""))
        for item in given[row.pk]:
            if isinstance(item, Submission):
                item.public_search_text = text
        if text == row.public_search_text:
            continue
        Submission.objects.filter(pk=row.pk).update(public_search_text=text)
        if connection.vendor == "sqlite":
            _fts_replace(row.pk, text)
        changed += 1
    return changed


def unindex_submissions(ids):
    """Forget deleted submissions (SQLite; PostgreSQL's index follows the table)."""
    if connection.vendor == "sqlite" and ids:
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk in ids])


def _fts_replace(pk, text):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [pk])
        if text:
            cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (%s, %s)", [pk, text])


def rebuild_index(recompute=True, chunk=5000, progress=None):
    """Recompute every `public_search_text` (unless `recompute` is false: a bulk load wrote it already) and
    rebuild SQLite's FTS table from the column; on PostgreSQL refresh the statistics. Returns the number of
    submissions the public may find."""
    from .models import Submission

    if recompute:
        last = 0
        while True:
            rows = list(Submission.objects.filter(pk__gt=last).order_by("pk").only(*_INDEX_FIELDS)[:chunk])
            if not rows:
                break
            last = rows[-1].pk
            answers = _published_answers([r.pk for r in rows if r.is_public])
            stale = []
            for row in rows:
                text = public_text(row, answers.get(row.pk, ""))
                if text != row.public_search_text:
                    row.public_search_text = text
                    stale.append(row)
            Submission.objects.bulk_update(stale, ["public_search_text"], batch_size=500)
            if progress:
                progress(f"recomputed the public text up to submission {last}")
    table = Submission._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
            cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, body) SELECT id, public_search_text FROM {table} "
                           "WHERE public_search_text <> ''")
            cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
        elif connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")
    clear_caches()
    return Submission.objects.exclude(public_search_text="").count()


# --- Public search ---------------------------------------------------------------------------------------------

_QUOTED = re.compile(r'"([^"]*)"')


def parse_query(query):
    """(words, phrases) of a query: every word must appear; words in double quotes must also appear together,
    in that order ('"chu ky so" doanh nghiep'). At most MAX_QUERY_WORDS words."""
    query = query or ""
    phrases = [" ".join(found) for found in (words(q) for q in _QUOTED.findall(query)) if len(found) > 1]
    return list(dict.fromkeys(words(query)))[:MAX_QUERY_WORDS], phrases


def _day_start(day):
    if isinstance(day, datetime.datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def search_public(query="", field=None, agency=None, date_from=None, date_to=None, before=None, limit=20):
    """Public submissions matching every word of `query` (with or without diacritics; quoted words as a
    phrase), newest published first. `agency` is an organisation (or id, or a list of them); dates are local
    days, both included; `before` is the (published_at, pk) of the last row already shown."""
    from .models import Submission

    where = Q()
    if field is not None:
        where &= Q(field=field)
    if isinstance(agency, (list, tuple, set)) or hasattr(agency, "model"):
        where &= Q(lead_agency__in=agency)
    elif agency is not None:
        where &= Q(lead_agency=agency)
    if date_from:
        where &= Q(published_at__gte=_day_start(date_from))
    if date_to:
        where &= Q(published_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    if before:
        at, pk = before
        # The range on published_at lets the index seek; the OR only sorts out ties.
        where &= Q(published_at__lte=at) & (Q(published_at__lt=at) | Q(pk__lt=pk))
    public = Submission.objects.public().filter(where).order_by(*ORDER)
    terms, phrases = parse_query(query)
    if not terms:
        return list(public[:limit])
    if connection.vendor == "postgresql":
        return _pg_search(public, terms, phrases, limit)
    if connection.vendor != "sqlite":
        return list(_containing(public, terms + phrases)[:limit])
    ids = _fts_ids(_fts_all(terms), FTS_SET_CAP + 1)
    if len(ids) <= FTS_FIRST_CAP:
        return list(_containing(public.filter(pk__in=ids), phrases)[:limit])
    published = Submission.objects.filter(where, published_at__isnull=False).order_by(*ORDER)
    return _walk(published, public, terms, phrases, limit, set(ids) if len(ids) <= FTS_SET_CAP else None)


ORDER = ("-published_at", "-pk")


def _pg_search(public, terms, phrases, limit):
    """PostgreSQL: test the newest public rows one by one, in index order (the vector is in the row), stopping
    at a page of matches or after PG_WINDOW rows; in the second case matches are rare here, and the GIN index
    finds them all. (Left to itself, the planner multiplies the words' frequencies as if independent: "tri tue
    nhan tao" is then expected in 250 rows, found in 16,000, and all of them read and sorted.)"""
    match = RawSQL(f"{_pg_vector()} @@ plainto_tsquery('simple'::regconfig, %s)", [" ".join(terms)],
                   output_field=BooleanField())
    window = public.annotate(fb_match=match).values_list("pk", "published_at", "public_search_text", "fb_match")
    sql, params = window[:PG_WINDOW].query.sql_with_params()
    tests = ["w.fb_match", *["w.public_search_text LIKE %s"] * len(phrases)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT w.pk FROM ({sql}) AS w WHERE {' AND '.join(tests)} "
                       "ORDER BY w.published_at DESC, w.pk DESC LIMIT %s",
                       [*params, *[f"% {phrase} %" for phrase in phrases], limit])
        hits = [row[0] for row in cursor.fetchall()]
    if len(hits) < limit:
        return list(_containing(public.filter(match), phrases)[:limit])
    rows = public.in_bulk(hits)
    return [rows[pk] for pk in hits]


def _containing(qs, pieces):
    """Rows whose stored text has each of these words or phrases."""
    for piece in pieces:
        qs = qs.filter(public_search_text__contains=f" {piece} ")
    return qs


def _walk(published, public, terms, phrases, limit, matching=None):
    """SQLite, many matches: read the ids of published rows newest first from the publication-date index
    (covering: no row is read) and keep those that match, batch after batch, until a page is found. Whether an
    id matches: it is in `matching` (all the matches, when FTS5 found at most FTS_SET_CAP), or else its text,
    read from the FTS table's own narrow copy, has the words. (Asked as LIKE conditions, SQLite plans a query
    with a handful of words as selective enough to sort every public row rather than read the index in
    order.) Past the budget the matches are rare where the filters look: they are then sorted instead."""
    from .models import Submission

    needles = [f" {piece} " for piece in terms + phrases]
    budget, batch = ((WALK_SET_BUDGET, WALK_SET_FIRST_BATCH) if matching is not None
                     else (WALK_BUDGET, WALK_FIRST_BATCH))
    found, seen, page = [], 0, published
    while seen < budget:
        ids = list(page.values_list("pk", flat=True)[:batch])
        hits = [pk for pk in ids if pk in matching] if matching is not None else ids
        if hits and (matching is None or phrases):
            texts = _fts_texts(hits)
            hits = [pk for pk in hits if pk in texts and all(needle in texts[pk] for needle in needles)]
        if hits:
            rows = {row.pk: row for row in public.filter(pk__in=hits)}
            found += [rows[pk] for pk in hits if pk in rows]
            if len(found) >= limit:
                return found[:limit]
        if len(ids) < batch:
            return found
        seen += len(ids)
        at = Submission.objects.filter(pk=ids[-1]).values_list("published_at", flat=True).get()
        page = published.filter(published_at__lte=at).filter(Q(published_at__lt=at) | Q(pk__lt=ids[-1]))
        batch = min(batch * 2, 5000)
    ids = sorted(matching) if matching is not None else _fts_ids(_fts_all(terms), 100_000_000)
    keys = []
    for start in range(0, len(ids), 10_000):
        keys += _containing(public.filter(pk__in=ids[start:start + 10_000]), phrases).values_list("published_at",
                                                                                                   "pk")
    keys = sorted(keys, reverse=True)[:limit]
    rows = public.in_bulk([pk for _at, pk in keys])
    return [rows[pk] for _at, pk in keys]


def _fts_texts(ids):
    """id → indexed text, read from the FTS table's content table (rows of one column: much narrower than
    the submissions')."""
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, c0 FROM {FTS_TABLE}_content WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)
        return dict(cursor.fetchall())


def _table():
    from .models import Submission

    return connection.ops.quote_name(Submission._meta.db_table)


def _pg_vector():
    return f'{_table()}."{PG_VECTOR}"'


def _fts_all(terms):
    return " ".join(f'"{t}"' for t in terms)


def _fts_ids(match, limit):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY rowid DESC LIMIT %s",
                       [match, limit])
        return [row[0] for row in cursor.fetchall()]


# --- Similar submissions (nq57.feedback.search_similar) --------------------------------------------------------

def similar(title, content="", limit=5, exclude=None):
    """Submissions the public may know of that look like this title and content, best first, each with
    `.similarity` (0..1). See `search_similar`."""
    from .search_similar import find_similar

    return find_similar(title, content, limit=limit, exclude=exclude)


def clear_caches():
    """Forget the cached counts of common words (tests, after a bulk load)."""
    from .search_similar import clear_caches as clear_similar

    clear_similar()
