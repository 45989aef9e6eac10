"""Similar submissions (`search.similar`): what the public may know of that looks like a text being written.

The words of the title and of the start of the content are weighted by rarity (the title's twice; Vietnamese
function syllables not at all). Candidates come from the rarest words: documents having all but one of six rare
words of the text (words next to each other count once: "truy xuất" is one term), then fewer, each query
bounded, so the work does not grow with the table; they are then scored here on the same window of their stored
public text. How rare a word is: counted when rare (bounded counts), read from the FTS5 vocabulary (SQLite) or
ANALYZE's statistics (PostgreSQL) when common, cached per process.
"""

import collections
import itertools
import math
import time

from django.db import connection

from .search import (FTS_TABLE, PG_VECTOR, _fts_all, _fts_texts, _pg_vector, _table, known_to_public_q,
                     words)

SIMILAR_CONTENT_WINDOW = 400
SIMILAR_MAX_WORDS = 24
SIMILAR_DF_CAP = 5000  # a word in more documents than this is "common": it is counted no further
SIMILAR_PG_COUNT_CAP = 500  # the same on PostgreSQL, where counting reads rows
SIMILAR_RARE_WORDS = 6
SIMILAR_CANDIDATES = 300
SIMILAR_ENOUGH = 15  # candidates that share many rare words: no need to look at those sharing fewer
SIMILAR_SCAN = 150  # PostgreSQL: rows read at most per candidate query
MIN_SIMILARITY = 0.15
COMMON_CACHE_SECONDS = 3600

# Folded, so "đề" (propose) and "để" (in order to) are one; "co" (có) also drops "cơ" of "cơ quan", a small loss.
STOP_SYLLABLES = frozenset("""
    va cua cac cho trong la co duoc nhung mot de voi khong nay da theo ve tai tu khi nguoi can nghi
    xin kinh gui thi ma nhu o ra vao len bi rat nhieu hon cung dang se nen phai viec hay hoac neu
    ban toi chung em anh chi ong ba ay do nao gi nhat cung rang thuc hien
""".split())

_common_df = {}  # word → (documents, expiry): counts of common words, per process


def find_similar(title, content="", limit=5, exclude=None):
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
    """Ids to score: documents having all but one of six rare words of the text, then fewer (a near-duplicate
    shares most of them; several rare words rarely meet by chance). Words within two of a chosen one are passed
    over: "truy xuất", "942/QĐ-TTg" are one term whose parts always come together."""
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
    # Most shared first: all the rare words but one (a word of the new text may be missing from the old one),
    # then smaller groups of the rarest, until enough candidates are found. The looser steps come only after,
    # so they do not crowd out a true near-duplicate.
    stages = [list(itertools.combinations(top, len(top) - 1)) if len(top) >= 3 else [tuple(top)]]
    for size in range(len(top) - 2, 1, -1):
        stages.append(list(itertools.combinations(top[:size + 1], size)))
    ids = []
    for groups in stages:
        ids += _newest_matching(groups, SIMILAR_CANDIDATES)
        if len(set(ids)) >= SIMILAR_ENOUGH:
            break
    return ids


def _newest_matching(groups, limit):
    """Ids of documents having every word of at least one group: up to SIMILAR_SCAN per group (SQLite: its
    newest), those found by the most groups first (a document with all the words is found by each group), then
    the newest. One AND query per group, in one statement: GIN follows the rarest word's list and skips in the
    others, where an OR of ANDs would test every document having any of the words."""
    if connection.vendor == "sqlite":
        one = (f"SELECT * FROM (SELECT rowid AS id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
               "ORDER BY rowid DESC LIMIT %s)")
        params = [value for group in groups for value in (_fts_all(group), SIMILAR_SCAN)]
    else:
        one = f"(SELECT id FROM {_table()} WHERE {_pg_vector()} @@ to_tsquery('simple'::regconfig, %s) LIMIT %s)"
        params = [value for group in groups for value in (" & ".join(group), SIMILAR_SCAN)]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([one] * len(groups)), params)
        found = collections.Counter(row[0] for row in cursor.fetchall())
    return sorted(found, key=lambda pk: (-found[pk], -pk))[:limit]


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
    _common_df.clear()
    _pg_statistics.update(words={}, floor=0, expires=0.0)
