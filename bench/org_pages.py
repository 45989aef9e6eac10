"""Latency of the organisation pages, one request at a time over loopback.

Pages: the organisation tree (/organisations/), the search (/organisations/?q=…, as a full page and as the
htmx fragment the search box asks for while typing) over a rotating list of terms with and without
diacritics, and one province's detail page. Each round requests every page once, in turn, so that drift
affects all pages alike; the first --warmup rounds are not counted. Reports p50/p95/max in milliseconds.

    python3 bench/org_pages.py --url http://127.0.0.1:8000        # a server already bootstrapped and running
    python3 bench/org_pages.py                                     # starts `bash scripts/run.sh` itself (SQLite)
    python3 bench/org_pages.py --database-url postgres://postgres@127.0.0.1:5432/nq57bench

Standard library only (urllib, time.perf_counter, statistics); loopback only; bounded loops.
"""

import argparse
import http.cookiejar
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _runsh import RunSh, drop_database, free_port, install_state, machine_summary, recreate_database  # noqa: E402

SEARCH_TERMS = ["lang son", "Hà Nội", "tan hoa", "bo khoa hoc", "phuong", "Xã Tân Thành", "ha giang", "Sở Khoa học"]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
DEMO_PASSWORD = "nq57-demo"


class Client:
    """urllib with a cookie jar (for --login); every request has a timeout."""

    def __init__(self, base_url, timeout=30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path, headers=None):
        """(status, body bytes, seconds)."""
        request = urllib.request.Request(self.base_url + path, headers=headers or {})
        began = time.perf_counter()
        with self.opener.open(request, timeout=self.timeout) as response:
            body = response.read()
            status = response.status
        return status, body, time.perf_counter() - began

    def log_in(self, username, password):
        _, body, _ = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username,
                                       "password": password}).encode()
        request = urllib.request.Request(self.base_url + "/accounts/login/", data=data,
                                         headers={"Referer": self.base_url + "/accounts/login/"})
        with self.opener.open(request, timeout=self.timeout) as response:
            response.read()
        if not any(cookie.name == "sessionid" for cookie in self.jar):
            sys.exit(f"Could not log in as {username!r}")


def province_path(client, code):
    status, body, _ = client.get(f"/api/v1/organisations/?q={urllib.parse.quote(code)}")
    matches = [o for o in json.loads(body)["results"] if o["code"] == code]
    if status != 200 or not matches:
        sys.exit(f"No organisation with code {code!r} on the server")
    return matches[0]["url"], matches[0]["name"]


def plan(province_url):
    """The pages of one round, as (label, path-or-function of the round number, headers)."""
    def search(number):
        return "/organisations/?q=" + urllib.parse.quote(SEARCH_TERMS[number % len(SEARCH_TERMS)])

    return [
        ("tree /organisations/", lambda number: "/organisations/", {}),
        ("search, full page", search, {}),
        ("search, htmx fragment", search, {"HX-Request": "true"}),
        (f"province page {province_url}", lambda number: province_url, {}),
    ]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def measure(client, pages, requests, warmup):
    timings = {label: [] for label, _, _ in pages}
    sizes = {label: set() for label, _, _ in pages}
    by_term = {term: [] for term in SEARCH_TERMS}  # the full-page search, per term
    for number in range(warmup + requests):
        for label, path, headers in pages:
            status, body, seconds = client.get(path(number), headers)
            if status != 200:
                sys.exit(f"{label}: {path(number)} answered {status}")
            if number >= warmup:
                timings[label].append(seconds * 1000)
                sizes[label].add(len(body))
                if label == "search, full page":
                    by_term[SEARCH_TERMS[number % len(SEARCH_TERMS)]].append(seconds * 1000)
    return timings, sizes, by_term


def summarise(timings, sizes):
    rows = {}
    for label, values in timings.items():
        rows[label] = {
            "n": len(values), "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1), "max_ms": round(max(values), 1),
            "mean_ms": round(statistics.fmean(values), 1),
            "bytes": f"{min(sizes[label]):,}–{max(sizes[label]):,}" if len(sizes[label]) > 1
            else f"{min(sizes[label]):,}",
        }
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running, bootstrapped NQ57 on loopback (default: start one with run.sh)")
    parser.add_argument("--database-url", help="when starting a server: a PostgreSQL database that may be dropped "
                                               "and re-created (default SQLite in a temporary data directory)")
    parser.add_argument("--requests", type=int, default=200, help="measured rounds per page (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured rounds first (default 10)")
    parser.add_argument("--province", default="P01", help="code of the province whose page is requested "
                                                          "(default P01, Hà Nội)")
    parser.add_argument("--login", metavar="USER", help="log in first as this demo account (password nq57-demo)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if not 1 <= args.requests <= 100_000 or not 0 <= args.warmup <= 10_000:
        parser.error("--requests must be 1–100000 and --warmup 0–10000")

    server = data_dir = None
    if args.url:
        host = urllib.parse.urlparse(args.url).hostname
        if host not in LOOPBACK_HOSTS:
            parser.error("--url must be on loopback (127.0.0.1, localhost or ::1)")
        base_url = args.url
    else:
        skipped, reason = install_state()
        if not skipped:
            sys.exit(f"Refusing to start run.sh: {reason} (see bench/cold_start.py --write-install-stamp)")
        data_dir = Path(tempfile.mkdtemp(prefix="nq57-bench-"))
        if args.database_url:
            recreate_database(args.database_url)
        server = RunSh(data_dir, free_port(), args.database_url, log_path=data_dir / "server.log").start()
        seconds, _ = server.wait_healthy()
        print(f"Started run.sh in {seconds:.1f} s at {server.base_url}", flush=True)
        base_url = server.base_url

    try:
        client = Client(base_url)
        if args.login:
            client.log_in(args.login, DEMO_PASSWORD)
        province_url, province_name = province_path(client, args.province)
        pages = plan(province_url)
        print(f"{args.requests} rounds (+{args.warmup} warm-up) of {len(pages)} pages, sequential, "
              f"{'as ' + args.login if args.login else 'anonymous'}; province: {province_name}", flush=True)
        began = time.perf_counter()
        timings, sizes, by_term = measure(client, pages, args.requests, args.warmup)
        elapsed = time.perf_counter() - began
    finally:
        if server is not None:
            server.stop()
            if args.database_url:
                drop_database(args.database_url)
            shutil.rmtree(data_dir, ignore_errors=True)

    rows = summarise(timings, sizes)
    width = max(len(label) for label in rows)
    print(f"{'page':<{width}}  {'n':>5}  {'p50 ms':>7}  {'p95 ms':>7}  {'max ms':>7}  bytes")
    for label, row in rows.items():
        print(f"{label:<{width}}  {row['n']:>5}  {row['p50_ms']:>7.1f}  {row['p95_ms']:>7.1f}  {row['max_ms']:>7.1f}"
              f"  {row['bytes']}")
    terms = {term: round(statistics.median(values), 1) for term, values in by_term.items() if values}
    print("search, full page, p50 ms per term: " + ", ".join(f"{term!r} {ms:.1f}" for term, ms in terms.items()))
    print(f"({elapsed:.1f} s in all)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "benchmark": "org_pages", "base_url": base_url, "database": args.database_url or "SQLite (or as running)",
            "started_by_script": server is not None, "login": args.login, "province": args.province,
            "requests": args.requests, "warmup": args.warmup, "search_terms": SEARCH_TERMS, "results": rows,
            "search_p50_ms_per_term": terms,
            "machine": machine_summary(), "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
