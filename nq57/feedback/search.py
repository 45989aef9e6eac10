"""Search of submissions, accent-insensitive, on SQLite (FTS5) and PostgreSQL (full-text on folded text).

CONTRACT (the search helper replaces this placeholder implementation; keep the signatures):
- `build_text(title, content, extra_texts=())` → the folded text stored in `Submission.search_text`.
- `index_submissions(submissions)` → keep the full-text index in step after create/update of `search_text`,
  `hidden`, `confidential`, `published_at` (called by actions inside their transaction; a no-op where the
  database indexes the column itself).
- `search_public(query="", field=None, agency=None, date_from=None, date_to=None, before=None, limit=20)`
  → a list of public Submissions (`Submission.objects.public()`), newest published first; `before` is the
  (published_at, pk) of the last row of the previous page (keyset paging: no COUNT over a million rows).
- `similar(title, content="", limit=5, exclude=None)` → Submissions that look like this text, best first, among
  those a member of the public may know of: published ones and, by title and status only, non-confidential
  ones whose submitter consented to publish.
"""

from nq57.core.text import fold


def build_text(title, content, extra_texts=()):
    return fold(" ".join([title or "", content or "", *[t for t in extra_texts if t]]))[:200_000]


def index_submissions(submissions):
    return None


def search_public(query="", field=None, agency=None, date_from=None, date_to=None, before=None, limit=20):
    from .models import Submission

    qs = Submission.objects.public()
    if query:
        for word in fold(query).split():
            qs = qs.filter(search_text__contains=word)
    if field is not None:
        qs = qs.filter(field=field)
    if agency is not None:
        qs = qs.filter(lead_agency=agency)
    if date_from:
        qs = qs.filter(published_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(published_at__date__lte=date_to)
    return list(qs.order_by("-published_at", "-pk")[:limit])


def similar(title, content="", limit=5, exclude=None):
    return []
