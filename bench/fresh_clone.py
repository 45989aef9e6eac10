"""A first start from a fresh clone: `git clone` the repository, then time `bash scripts/run.sh` until /healthz.

Unlike cold_start.py this includes everything run.sh does on a new machine: creating .venv, `pip install`
(from whatever package indexes and caches pip is configured with, so it depends on the network), compiling the
translations (the .mo files are not committed), migrating, loading the map and the demo accounts, and starting
gunicorn and the worker. SQLite, one start. The clone is of the committed HEAD (not of uncommitted changes).
Afterwards the process group is stopped with SIGTERM and the clone and data directory are deleted.

    python3 bench/fresh_clone.py                    # clones this repository into a temporary directory

Standard library only (plus git); loopback only; every wait is bounded.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _runsh import ROOT, RunSh, free_port, machine_summary  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=str(ROOT), help="repository to clone (default: this one)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for /healthz (default 900)")
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    parser.add_argument("--keep", action="store_true", help="keep the clone and the data directory")
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="nq57-fresh-"))
    clone, data_dir = base / "main", base / "data"
    try:
        subprocess.run(["git", "clone", "--quiet", args.source, str(clone)], check=True, timeout=120)
        shared = Path(args.source).resolve().parent / "shared"  # the tests read ../shared; run.sh does not
        if shared.is_dir():
            (base / "shared").symlink_to(shared)
        commit = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True, timeout=30).stdout.strip()
        data_dir.mkdir()
        print(f"Fresh clone of {args.source} at {commit} in {clone}; starting bash scripts/run.sh", flush=True)
        server = RunSh(data_dir, free_port(), None, log_path=base / "run.log", root=clone).start()
        try:
            seconds, phases = server.wait_healthy(timeout=args.timeout)
        finally:
            stop_seconds = server.stop()
        print(f"fresh: {seconds:.2f} s to /healthz 200  (phases: {phases}; clean stop {stop_seconds:.2f} s)")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({
                "benchmark": "fresh_clone", "database": "SQLite", "commit": commit, "seconds": round(seconds, 3),
                "phases": phases, "stop_seconds": round(stop_seconds, 3), "machine": machine_summary(),
                "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            }, indent=2, ensure_ascii=False))
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
