"""Where a write comes from (web, API, import, command) and from which address.

Set by the request middleware or by a command, read by the audit service, so service
functions do not need a request argument.
"""

import contextlib
import contextvars

_current = contextvars.ContextVar("nq57_write_context", default={})


def current():
    return _current.get()


@contextlib.contextmanager
def using(**values):
    token = _current.set({**_current.get(), **values})
    try:
        yield
    finally:
        _current.reset(token)
