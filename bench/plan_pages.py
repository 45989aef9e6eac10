"""Latency of the plan pages at national volume, one request at a time over loopback.

Needs a data directory (and, for PostgreSQL, a database) prepared with bench/generate_national.py: one plan
of 1,000 tasks, 150,000 assignments and 1,000,000 progress reports. Logs in as a user who sees the whole
country (default the demo standing office `vanphong`) and requests, in rounds:

- the plan overview (counts by group, status and timeliness over every assignment);
- the task list without a filter (one row per assignment, first page of 50);
- the task list filtered three ways: overdue assignments; Lạng Sơn (P20, with its units and communes) in
  progress; the text "chuyen doi so" (no diacritics) in the third group of tasks;
- the agency scorecard, whole country, default window (deadlines in the current year), ranked.

Each round requests every page once, in turn, so that drift affects all pages alike; the first --warmup
rounds are not counted. Reports p50/p95/max in milliseconds per page, then runs bench/plan_queries.py to
count the SQL queries per page in-process (Django's test client with CaptureQueriesContext, against the
same database; the server itself runs with DEBUG off and counts nothing).

    # starts `nq57 serve` on a free loopback port over the prepared data (SQLite):
    python3 bench/plan_pages.py --data-dir /tmp/nq57-national-sqlite
    # PostgreSQL:
    python3 bench/plan_pages.py --data-dir /tmp/nq57-national-pg \\
        --database-url postgres://postgres@127.0.0.1:5432/nq57national
    # a server you started yourself (no query counts then, unless --data-dir/--database-url are given too):
    python3 bench/plan_pages.py --url http://127.0.0.1:8000

The server is `.venv/bin/nq57 serve --no-worker` (gunicorn, its defaults of 2 workers × 4 threads, DEBUG off,
demo mode). The worker is left out on purpose: at start it would run the hourly reminder and escalation jobs
and the timeliness refresh over the 150,000 assignments while the pages are being timed (--with-worker to
include it). Standard library only (urllib, time.perf_counter, statistics); loopback only; bounded loops.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _runsh import ROOT, _group_alive, free_port, http_status, machine_summary  # noqa: E402
from org_pages import LOOPBACK_HOSTS, Client, percentile  # noqa: E402

BENCH_PLAN = "BENCH/NQ57"
NQ57 = ROOT / ".venv" / "bin" / "nq57"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


class Serve:
    """`nq57 serve --no-worker` in its own process group over a prepared data directory."""

    def __init__(self, data_dir, port, database_url=None, with_worker=False):
        self.data_dir = Path(data_dir)
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = self.data_dir / f"serve-{int(time.time())}.log"
        env = {**os.environ, "NQ57_DATA_DIR": str(self.data_dir), "NQ57_BIND": f"127.0.0.1:{port}",
               "NQ57_MODE": "demo", "PYTHONUNBUFFERED": "1"}
        env.pop("DEBUG", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        else:
            env.pop("DATABASE_URL", None)
        self.env = env
        self.args = [str(NQ57), "serve"] + ([] if with_worker else ["--no-worker"])
        self.process = None

    def start(self, timeout=120.0):
        self.log = open(self.log_path, "wb")
        began = time.perf_counter()
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        while time.perf_counter() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"nq57 serve exited with {self.process.returncode}; see {self.log_path}")
            if http_status(f"{self.base_url}/healthz", timeout=1.0) == 200:
                return time.perf_counter() - began
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"/healthz did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self):
        if self.process is None:
            return
        pgid = self.process.pid
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not _group_alive(pgid):
                break
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            end = time.perf_counter() + 10
            while _group_alive(pgid) and time.perf_counter() < end:
                time.sleep(0.1)
        if self.process.poll() is None:
            self.process.wait(timeout=5)
        self.log.close()


def find_plan(client):
    """(plan path, third group's id) of the benchmark plan, found as the user would: list, then task list."""
    _, body, _ = client.get("/plans/?q=" + urllib.parse.quote(BENCH_PLAN))
    match = re.search(rb'href="(/plans/\d+/)"', body)
    if not match:
        sys.exit(f"No plan {BENCH_PLAN} visible on the server: run bench/generate_national.py first")
    base = match.group(1).decode()
    _, body, _ = client.get(base + "tasks/?page=1")
    select = re.search(rb'<select name="group".*?</select>', body, re.S)
    groups = re.findall(rb'<option value="(\d+)"', select.group(0)) if select else []
    if len(groups) < 3:
        sys.exit("The benchmark plan has fewer than 3 groups")
    return base, groups[2].decode()


def pages(base, group):
    """The pages of one round, as (label, path)."""
    return [
        ("plan overview", base),
        ("task list, no filter", base + "tasks/"),
        ("task list, overdue", base + "tasks/?view=assignments&timeliness=overdue"),
        ("task list, Lạng Sơn in progress", base + "tasks/?view=assignments&agency=P20&status=in_progress"),
        ("task list, text + group", base + f"tasks/?q=chuyen+doi+so&group={group}"),
        ("scorecard, whole country", base + "scorecard/"),
    ]


def measure(client, plan_pages, requests, warmup):
    timings = {label: [] for label, _ in plan_pages}
    sizes = {label: set() for label, _ in plan_pages}
    for number in range(warmup + requests):
        for label, path in plan_pages:
            status, body, seconds = client.get(path)
            if status != 200:
                sys.exit(f"{label}: {path} answered {status}")
            if number >= warmup:
                timings[label].append(seconds * 1000)
                sizes[label].add(len(body))
    return timings, sizes


def loadavg():
    try:
        return Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        return ["?"] * 3


def count_queries(data_dir, database_url, login):
    """Run bench/plan_queries.py against the same database; its results, or None."""
    env = {**os.environ, "NQ57_DATA_DIR": str(data_dir), "NQ57_MODE": "demo"}
    env.pop("DEBUG", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "queries.json"
        result = subprocess.run([str(VENV_PYTHON), str(ROOT / "bench" / "plan_queries.py"), "--login", login,
                                 "--json", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        if result.returncode != 0 or not out.exists():
            print(f"warning: plan_queries.py failed:\n{result.stdout}{result.stderr[-3000:]}", file=sys.stderr)
            return None
        print(result.stdout, end="")
        return json.loads(out.read_text())["results"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="NQ57_DATA_DIR prepared by bench/generate_national.py")
    parser.add_argument("--database-url", help="the PostgreSQL database prepared by bench/generate_national.py "
                                               "(never dropped; default SQLite in --data-dir)")
    parser.add_argument("--url", help="a running server on loopback instead of starting one")
    parser.add_argument("--with-worker", action="store_true", help="start `nq57 serve` with its worker")
    parser.add_argument("--requests", type=int, default=100, help="measured rounds per page (default 100)")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured rounds first (default 5)")
    parser.add_argument("--login", default="vanphong", help="user with national scope (default vanphong)")
    parser.add_argument("--password", default="nq57-demo", help="(default the demo password)")
    parser.add_argument("--no-queries", action="store_true", help="skip the in-process query count")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if not 1 <= args.requests <= 10_000 or not 0 <= args.warmup <= 1_000:
        parser.error("--requests must be 1–10000 and --warmup 0–1000")
    if not args.url and not args.data_dir:
        parser.error("give --data-dir (a prepared data directory) or --url (a running server)")
    if args.data_dir and not (args.data_dir / "secret_key").exists() and not args.database_url:
        parser.error(f"{args.data_dir} does not look like a bootstrapped NQ57 data directory")

    server = None
    if args.url:
        if urllib.parse.urlparse(args.url).hostname not in LOOPBACK_HOSTS:
            parser.error("--url must be on loopback (127.0.0.1, localhost or ::1)")
        base_url = args.url
    else:
        server = Serve(args.data_dir, free_port(), args.database_url, args.with_worker)
        seconds = server.start()
        print(f"Started `{' '.join(Path(a).name if i == 0 else a for i, a in enumerate(server.args))}` in "
              f"{seconds:.1f} s at {server.base_url}", flush=True)
        base_url = server.base_url

    load_before = loadavg()
    try:
        client = Client(base_url, timeout=60.0)
        client.log_in(args.login, args.password)
        base, group = find_plan(client)
        plan_pages = pages(base, group)
        print(f"{args.requests} rounds (+{args.warmup} warm-up) of {len(plan_pages)} pages, sequential, as "
              f"{args.login}; plan {base}; load average before {' '.join(load_before)}", flush=True)
        began = time.perf_counter()
        timings, sizes = measure(client, plan_pages, args.requests, args.warmup)
        elapsed = time.perf_counter() - began
    finally:
        if server is not None:
            server.stop()
    load_after = loadavg()

    rows = {}
    for label, values in timings.items():
        rows[label] = {
            "path": dict(plan_pages)[label], "n": len(values), "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1), "max_ms": round(max(values), 1),
            "mean_ms": round(statistics.fmean(values), 1), "bytes": max(sizes[label]),
        }
    width = max(len(label) for label in rows)
    print(f"{'page':<{width}}  {'n':>4}  {'p50 ms':>7}  {'p95 ms':>7}  {'max ms':>7}  {'kB':>5}  path")
    for label, row in rows.items():
        print(f"{label:<{width}}  {row['n']:>4}  {row['p50_ms']:>7.1f}  {row['p95_ms']:>7.1f}  {row['max_ms']:>7.1f}"
              f"  {row['bytes'] / 1024:>5.0f}  {row['path']}")
    print(f"({elapsed:.1f} s in all; load average after {' '.join(load_after)})", flush=True)

    queries = None
    if not args.no_queries and args.data_dir:
        print("SQL queries per page, in-process (bench/plan_queries.py):", flush=True)
        queries = count_queries(args.data_dir, args.database_url, args.login)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "benchmark": "plan_pages", "base_url": base_url, "database": args.database_url or "SQLite",
            "data_dir": str(args.data_dir) if args.data_dir else None, "started_by_script": server is not None,
            "worker": bool(args.with_worker), "login": args.login, "requests": args.requests,
            "warmup": args.warmup, "results": rows, "queries": queries,
            "load_average_before": load_before, "load_average_after": load_after,
            "machine": machine_summary(), "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
