"""Load the three national-volume datasets into one database, for the dashboard and report benchmarks.

    NQ57_DATA_DIR=/tmp/nq57-dash-sqlite .venv/bin/python bench/dashboard_generate.py
    # PostgreSQL (the database is created when missing, never dropped):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nq57dash NQ57_DATA_DIR=/tmp/nq57-dash-pg \
        .venv/bin/python bench/dashboard_generate.py

Runs, in turn, in child processes with the same environment (so each step is exactly the documented one):

1. `nq57 bootstrap`: migrate, the organisation map, the demo accounts (`vanphong`, the provinces' officers…),
   the demo programme 03/NQ-CP and the demo KPI index (demo mode);
2. `bench/generate_national.py`: the plan BENCH/NQ57, 150,000 assignments and 1,000,000 progress reports;
3. `bench/kpi_generate.py`: 40 indicators, 1,000,000 KPI values and their stored roll-ups;
4. `bench/feedback_generate.py --replace`: 1,000,000 submissions.

All three are dated as of 2026-11-22 (their default --today). Each generator is idempotent (it deletes its own
earlier data first), so running this again rebuilds the same database; `--skip plans|kpi|feedback` leaves a
step out (e.g. after one step failed). The time of each step is printed and, with --json, written to a file.
Standard library only here; the generators need the project's Python (.venv).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
STEPS = {
    "bootstrap": [str(ROOT / ".venv" / "bin" / "nq57"), "bootstrap"],
    "plans": [sys.executable, str(ROOT / "bench" / "generate_national.py")],
    "kpi": [sys.executable, str(ROOT / "bench" / "kpi_generate.py")],
    "feedback": [sys.executable, str(ROOT / "bench" / "feedback_generate.py"), "--replace"],
}


def ensure_postgres_database(url):
    """createdb the database named in DATABASE_URL when it does not exist yet (bootstrap cannot create it)."""
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    command = ["psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
               "-U", parts.username or "postgres", "-d", "postgres", "-tAc",
               f"SELECT 1 FROM pg_database WHERE datname = '{name}'"]
    found = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    if found != "1":
        print(f"Creating the PostgreSQL database {name}", flush=True)
        subprocess.run(["createdb", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
                        "-U", parts.username or "postgres", name], check=True)


def database_size():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        parts = urlparse(url)
        name = parts.path.lstrip("/")
        out = subprocess.run(["psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
                              "-U", parts.username or "postgres", "-d", name, "-tAc",
                              f"SELECT pg_database_size('{name}')"], capture_output=True, text=True)
        return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip().isdigit() else None
    data_dir = Path(os.environ.get("NQ57_DATA_DIR", ROOT / "data"))
    return sum(p.stat().st_size for p in data_dir.glob("*.sqlite3*")) or None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip", action="append", default=[], choices=sorted(STEPS),
                        help="leave a step out (repeatable)")
    parser.add_argument("--json", type=Path, help="write the step timings to this file")
    args = parser.parse_args()
    if "NQ57_DATA_DIR" not in os.environ:
        sys.exit("Set NQ57_DATA_DIR (and DATABASE_URL for PostgreSQL): the benchmark data stays out of the repository.")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_postgres_database(url)
    timings, started = {}, time.monotonic()
    for name, command in STEPS.items():
        if name in args.skip:
            continue
        print(f"\n=== {name}: {' '.join(Path(c).name if i < 2 else c for i, c in enumerate(command))}", flush=True)
        began = time.monotonic()
        result = subprocess.run(command, cwd=ROOT, env=os.environ.copy())
        timings[name] = round(time.monotonic() - began, 1)
        if result.returncode != 0:
            sys.exit(f"{name} failed (exit status {result.returncode}) after {timings[name]} s")
        print(f"=== {name}: {timings[name]} s", flush=True)
    summary = {"database": "postgresql" if url.startswith("postgres") else "sqlite", "steps_s": timings,
               "total_s": round(time.monotonic() - started, 1), "size_bytes": database_size(),
               "load_average_after": os.getloadavg()}
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
