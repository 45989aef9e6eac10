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
(checked with LIKE on the stored text, after the index has narrowed the rows). On PostgreSQL the planner chooses between the GIN index and a
walk of the publication-date index. On SQLite this module chooses: when at most `FTS_FIRST_CAP` documents
match, their ids come from FTS5 and only those rows are sorted; otherwise enough rows match that walking the
publication-date index and testing each row with LIKE finds a page quickly.
"""

import datetime
import itertools
import math
import re
import time

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

# Similarity: the title and the start of the content count; common words weigh little, Vietnamese function
# syllables nothing. Candidates come from the rarest words first, within a budget of documents touched.
SIMILAR_CONTENT_WINDOW = 400
SIMILAR_MAX_WORDS = 24
SIMILAR_DF_CAP = 5000  # a word in more documents than this is "common": it is counted no further
SIMILAR_PG_COUNT_CAP = 500  # the same on PostgreSQL, where counting reads rows
SIMILAR_RARE_WORDS = 6
SIMILAR_CANDIDATES = 300
SIMILAR_ENOUGH = 15  # candidates that share many rare words: no need to look at those sharing fewer
SIMILAR_SCAN = 400  # PostgreSQL: rows read at most per candidate query
MIN_SIMILARITY = 0.15
COMMON_CACHE_SECONDS = 3600

# Folded, so "đề" (propose) and "để" (in order to) are one; "co" (có) also drops "cơ" of "cơ quan", a small loss.
STOP_SYLLABLES = frozenset("""
    va cua cac cho trong la co duoc nhung mot de voi khong nay da theo ve tai tu khi nguoi can nghi
    xin kinh gui thi ma nhu o ra vao len bi rat nhieu hon cung dang se nen phai viec hay hoac neu
    ban toi chung em anh chi ong ba ay do nao gi nhat cung rang thuc hien
""".split())

_WORD = re.compile(r"[^\W_]+")
_common_df = {}  # word → (documents, expiry): exact counts of common words, per process


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


# --- Similar submissions ---------------------------------------------------------------------------------------

def similar(title, content="", limit=5, exclude=None):
    """Submissions the public may know of that look like this title and content, best first, each with
    `.similarity` (0..1): words weighted by rarity (the title's twice), compared both ways."""
    from .models import Submission

    title_words = [w for w in dict.fromkeys(words(title)) if _useful(w)]
    window = words(f"{title or ''} {(content or '')[:SIMILAR_CONTENT_WINDOW]}")
    wanted = list(dict.fromkeys(title_words + [w for w in window if _useful(w)]))[:SIMILAR_MAX_WORDS]
    if not wanted or connection.vendor not in ("sqlite", "postgresql"):
        return []
    df = _document_frequencies(wanted)
    total = max(_document_estimate(), 1)
    in_title = set(title_words)
    weight = {w: math.log(1 + total / (df[w] + 0.5)) * (2 if w in in_title else 1) for w in wanted}
    positions = {}
    for position, word in enumerate(window):
        positions.setdefault(word, []).append(position)
    excluded = _excluded_ids(exclude)
    ids = [pk for pk in dict.fromkeys(_candidates(wanted, df, positions)) if pk not in excluded]
    if not ids:
        return []
    wanted_weight = sum(weight.values())
    # Compare the same window on both sides: the title and the start of the content (the stored public text
    # begins with the title and the content).
    span = len(window) + 10
    scored = []
    for pk, text in _candidate_texts(ids):
        seen = {w for w in text.split(" ", span + 1)[1:span + 1] if _useful(w)}
        if not seen:
            continue
        shared = [w for w in wanted if w in seen]
        # The weighted share of the new text found in the other one, and the share of the other one's words
        # found in the new text: a long text that mentions everything is not a near-duplicate.
        query_side = sum(weight[w] for w in shared) / wanted_weight
        other_side = len(shared) / len(seen)
        similarity = round(math.sqrt(query_side * min(1.0, other_side * 1.25)), 3)
        if similarity >= MIN_SIMILARITY:
            scored.append((similarity, pk))
    scored.sort(key=lambda pair: (-pair[0], -pair[1]))
    # What the public may know of is checked on the rows themselves (the index may lag a moderator's change).
    found = []
    for start in range(0, len(scored), limit * 4):
        chunk = scored[start:start + limit * 4]
        rows = Submission.objects.filter(known_to_public_q()).in_bulk([pk for _, pk in chunk])
        for similarity, pk in chunk:
            if pk in rows and len(found) < limit:
                rows[pk].similarity = similarity
                found.append(rows[pk])
        if len(found) >= limit:
            break
    return found


def _candidate_texts(ids):
    """(id, stored public text) of the candidates: on SQLite from the FTS table's narrow copy."""
    from .models import Submission

    if connection.vendor == "sqlite":
        return _fts_texts(ids).items()
    return Submission.objects.filter(pk__in=ids).exclude(public_search_text="").values_list("pk",
                                                                                           "public_search_text")


def _useful(word):
    return word not in STOP_SYLLABLES and (len(word) > 1 or word.isdigit())


def _excluded_ids(exclude):
    if exclude is None:
        return set()
    if isinstance(exclude, int) or hasattr(exclude, "pk"):
        exclude = [exclude]
    return {getattr(item, "pk", item) for item in exclude}


def _candidates(wanted, df, positions):
    """Ids to score: the newest documents having at least three, then at least two, of six rare words of the
    text (a near-duplicate shares most of them; a few rare words rarely meet by chance). Words within two of a
    chosen one are passed over: "truy xuất", "942/QĐ-TTg" are one term whose parts always come together."""
    ranked = sorted((w for w in wanted if df[w] > 0), key=lambda w: df[w])
    top, near, skipped = [], set(), []
    for word in ranked:
        if near.intersection(positions[word]):
            skipped.append(word)
            continue
        top.append(word)
        near.update(p + step for p in positions[word] for step in (-2, -1, 0, 1, 2))
        if len(top) == SIMILAR_RARE_WORDS:
            break
    top += skipped[:max(0, 3 - len(top))]
    if not top:
        return []
    # Most shared first: all the rare words, then all but one (a word of the new text may be missing from the
    # old one), then smaller groups of the rarest, until enough candidates are found. Each step keeps only its
    # newest matches: the looser steps come after, so they do not crowd out a true near-duplicate.
    stages = [[tuple(top)]]
    if len(top) >= 3:
        stages.append(list(itertools.combinations(top, len(top) - 1)))
    for size in range(len(top) - 2, 1, -1):
        stages.append(list(itertools.combinations(top[:size + 1], size)))
    ids = []
    for number, groups in enumerate(stages):
        ids += _newest_matching(groups, SIMILAR_CANDIDATES)
        if number >= 1 and len(set(ids)) >= SIMILAR_ENOUGH:
            break
    return ids


def _newest_matching(groups, limit):
    """Ids of the newest documents having every word of at least one group. SQLite: one FTS5 query, read
    newest first. PostgreSQL: one AND query per group (GIN then follows the rarest word's list and skips in
    the others; an OR of ANDs would test every document having any of the words), each stopping after
    SIMILAR_SCAN rows."""
    if connection.vendor == "sqlite":
        return _fts_ids(" OR ".join(f"({_fts_all(group)})" for group in groups), limit)
    found = set()
    with connection.cursor() as cursor:
        for group in groups:
            cursor.execute(f"SELECT id FROM {_table()} WHERE {_pg_vector()} @@ to_tsquery('simple'::regconfig, %s) "
                           "LIMIT %s", [" & ".join(group), SIMILAR_SCAN])
            found.update(row[0] for row in cursor.fetchall())
    return sorted(found, reverse=True)[:limit]


def _document_frequencies(terms):
    """word → number of documents having it: common words from the index's vocabulary (SQLite) or the
    planner's statistics (PostgreSQL), cached per process; the others counted, up to SIMILAR_DF_CAP."""
    now = time.monotonic()
    result = {}
    unknown = []
    for term in terms:
        cached = _common_df.get(term)
        if cached and cached[1] > now:
            result[term] = cached[0]
        else:
            unknown.append(term)
    if unknown and connection.vendor == "postgresql":
        statistics = _pg_common_words()
        for term in list(unknown):
            if term in statistics:
                result[term] = statistics[term]
                unknown.remove(term)
    # Counting reads one row per document on PostgreSQL (the GIN index has no ids): count less far there.
    cap = SIMILAR_DF_CAP if connection.vendor == "sqlite" else SIMILAR_PG_COUNT_CAP
    for term in unknown:
        count = _count_capped(term, cap)
        if count >= cap:
            count = max(count, _count_common(term))
            _common_df[term] = (count, now + COMMON_CACHE_SECONDS)
        result[term] = count
    return result


def _count_capped(term, cap):
    if connection.vendor == "sqlite":
        sql = f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s)"
        params = [f'"{term}"', cap]
    else:
        sql = (f"SELECT count(*) FROM (SELECT 1 FROM {_table()} "
               f"WHERE {_pg_vector()} @@ to_tsquery('simple'::regconfig, %s) LIMIT %s) AS found")
        params = [term, cap]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _count_common(term):
    """The number of documents of a common word: SQLite reads it from the index's vocabulary; on PostgreSQL a
    word ANALYZE did not keep among the most common is taken to be in half as many documents as the least
    common it kept (as the planner assumes)."""
    if connection.vendor != "sqlite":
        _pg_common_words()
        return _pg_statistics["floor"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT doc FROM {FTS_TABLE}_vocab WHERE term = %s", [term])
        row = cursor.fetchone()
        return row[0] if row else 0


_pg_statistics = {"words": {}, "floor": 0, "expires": 0.0}


def _pg_common_words():
    """word → estimated documents, for the most common words of the tsvector column (ANALYZE's statistics),
    cached per process."""
    now = time.monotonic()
    if _pg_statistics["expires"] > now:
        return _pg_statistics["words"]
    from .models import Submission

    found = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
            "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename AND c.relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = s.schemaname) "
            "WHERE s.schemaname = current_schema() AND s.tablename = %s AND s.attname = %s",
            [Submission._meta.db_table, PG_VECTOR])
        row = cursor.fetchone()
    # A word ANALYZE did not keep is rarer than all those it kept: it is counted instead (through the GIN
    # index: testing rows one by one would read their whole vectors).
    floor = 0
    if row and row[0] and row[2] and row[2] > 0:
        elements, frequencies, rows = row
        found = {word: int(freq * rows) for word, freq in zip(elements, frequencies)}
        floor = int(min(frequencies[:len(elements)]) * rows / 2)
    _pg_statistics.update(words=found, floor=floor, expires=now + COMMON_CACHE_SECONDS)
    return found


def _document_estimate():
    """About how many submissions there are (no COUNT): PostgreSQL's estimate, or the largest id."""
    from .models import Submission

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                           [Submission._meta.db_table])
            row = cursor.fetchone()
            if row and row[0] and row[0] > 0:
                return row[0]
        cursor.execute(f"SELECT max(id) FROM {_table()}")
        return cursor.fetchone()[0] or 0


def clear_caches():
    """Forget the cached counts of common words (tests, after a bulk load)."""
    _common_df.clear()
    _pg_statistics.update(words={}, floor=0, expires=0.0)
