"""Writing history in bulk (the demo loader, imports of past submissions): inside `replaying()`, the service
functions tell nobody (no notifications, no e-mails about steps taken months ago), read the working-day calendar
and the deadline rules once, and leave the public search index to be brought up to date once at the end.

A context variable, so it holds only for the code running inside the `with` block (not for other threads).
"""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field

_current = contextvars.ContextVar("nq57_feedback_replay", default=None)


@dataclass
class Replay:
    calendar: object
    rules: dict
    to_index: set = field(default_factory=set)


def active():
    """The running replay, or None."""
    return _current.get()


@contextmanager
def replaying():
    from nq57.core.workdays import current as current_calendar

    from . import deadlines, search

    replay = Replay(calendar=current_calendar(), rules=deadlines.rules())
    token = _current.set(replay)
    try:
        yield replay
    finally:
        _current.reset(token)
    if replay.to_index:
        search.index_submissions(sorted(replay.to_index))
