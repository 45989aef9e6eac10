"""Time one run of the worker's `dashboard_refresh` job, in its two parts, on the configured database.

    NQ57_DATA_DIR=/tmp/nq57-dash-sqlite .venv/bin/python bench/dashboard_refresh.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nq57dash NQ57_DATA_DIR=/tmp/nq57-dash-pg \
        .venv/bin/python bench/dashboard_refresh.py

Prints JSON: seconds for the table of every organisation's figures (`figures.refresh_figures_cache`), for the
nation's dashboard, and for the other leaders' scopes (ministries and provinces, `overview.refresh_cache`), with
the load average at the end. It writes the shared "dashboards" cache, as the job does.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nq57.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from nq57.dashboards.figures import refresh_figures_cache  # noqa: E402
from nq57.dashboards.overview import refresh_cache  # noqa: E402
from nq57.dashboards.tasks import leaders_scopes  # noqa: E402


def main():
    started = time.perf_counter()
    refresh_figures_cache()
    figures_seconds = time.perf_counter() - started
    scopes = leaders_scopes()
    started = time.perf_counter()
    refresh_cache(scopes[:1])
    root_seconds = time.perf_counter() - started
    started = time.perf_counter()
    refresh_cache(scopes[1:])
    others_seconds = time.perf_counter() - started
    print(json.dumps({"database": connection.vendor, "figures_table_s": round(figures_seconds, 1),
                      "nation_s": round(root_seconds, 1), "other_scopes": len(scopes) - 1,
                      "other_scopes_s": round(others_seconds, 1), "load_average": os.getloadavg()}))


if __name__ == "__main__":
    main()
