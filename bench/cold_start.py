"""Cold and warm start of the README's run command, `bash scripts/run.sh`.

Cold: an empty data directory (and, with --database-url, a freshly created empty PostgreSQL database), so the
start migrates, loads the organisation map and the demo accounts, collects static files and boots gunicorn and
the worker. Warm: run.sh again on the same data directory and database. Each start is timed from launching
`bash scripts/run.sh` until GET /healthz answers 200; the process group is then stopped with SIGTERM.

The pip install step of run.sh is NOT part of the measurement: it is skipped when .venv is already installed
for the current pyproject.toml, and this script refuses to run otherwise (see --write-install-stamp).

    python3 bench/cold_start.py                                   # SQLite
    python3 bench/cold_start.py --database-url postgres://postgres@127.0.0.1:5432/nq57bench

Standard library only; loopback only.
"""

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _runsh import ROOT, RunSh, drop_database, free_port, install_state, machine_summary, recreate_database, \
    write_install_stamp  # noqa: E402


def one_round(database_url, timeout, keep):
    data_dir = Path(tempfile.mkdtemp(prefix="nq57-bench-"))
    if database_url:
        recreate_database(database_url)
    results = {}
    try:
        for label in ("cold", "warm"):
            server = RunSh(data_dir, free_port(), database_url, log_path=data_dir / f"{label}.log").start()
            try:
                seconds, phases = server.wait_healthy(timeout=timeout)
            finally:
                stop_seconds = server.stop()
            results[label] = {"seconds": round(seconds, 3), "phases": phases, "stop_seconds": round(stop_seconds, 3)}
            print(f"  {label}: {seconds:6.2f} s to /healthz 200  (phases: {phases}; clean stop {stop_seconds:.2f} s)",
                  flush=True)
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"  kept {data_dir}")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL URL of a database that may be dropped and re-created "
                                               "(default: SQLite in the temporary data directory)")
    parser.add_argument("--rounds", type=int, default=3, help="cold+warm pairs, each on a fresh data dir (default 3)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for /healthz (default 300)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directories and logs")
    parser.add_argument("--write-install-stamp", action="store_true",
                        help="if .venv already has every pinned dependency, write the stamp scripts/_setup.sh "
                             "writes after installing, so that run.sh skips pip install")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be between 1 and 20")

    if args.write_install_stamp:
        write_install_stamp()
    skipped, reason = install_state()
    if not skipped:
        sys.exit(f"Refusing to measure: {reason}.\nThe benchmark measures starts with an installed .venv; "
                 "run `bash scripts/run.sh` once, or pass --write-install-stamp.")

    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"NQ57 start-up of `bash scripts/run.sh` on {database} ({reason})", flush=True)
    rounds = []
    for number in range(1, args.rounds + 1):
        print(f"round {number}/{args.rounds}", flush=True)
        rounds.append(one_round(args.database_url, args.timeout, args.keep))
    if args.database_url and not args.keep:
        drop_database(args.database_url)

    summary = {}
    for label in ("cold", "warm"):
        values = [r[label]["seconds"] for r in rounds]
        summary[label] = {"median": round(statistics.median(values), 3), "min": min(values), "max": max(values)}
        print(f"{label:>5}: median {summary[label]['median']:.2f} s  (min {min(values):.2f}, max {max(values):.2f}, "
              f"n={len(values)})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "benchmark": "cold_start", "database": database, "install_step": reason, "rounds": rounds,
            "summary": summary, "machine": machine_summary(), "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "root": str(ROOT),
        }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
