"""Start and stop NQ57 exactly as the README says (`bash scripts/run.sh`), for the benchmarks.

Standard library only. Everything stays on loopback; every wait is bounded.
"""

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
INSTALL_STAMP = ROOT / ".venv" / ".nq57-installed-base"  # written by scripts/_setup.sh after an install

# Lines of run.sh's output that mark the phases of a start, in order (first occurrence is timed).
PHASE_MARKERS = [
    ("creating_venv", "Creating .venv"),
    ("install", "Installing pinned dependencies"),
    ("map_load_started", "Loading the organisation map"),
    ("map_loaded", "Organisation map:"),
    ("demo_loaded", "Demo logins"),
    ("serve_started", "NQ57 is running at"),
    ("gunicorn_listening", "Listening at:"),
]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def install_state():
    """(skipped, reason): whether run.sh's pip install step will be skipped, as _setup.sh decides it."""
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not VENV_PYTHON.exists():
        return False, ".venv does not exist: run.sh would create it and install everything"
    if not INSTALL_STAMP.exists():
        return False, f"{INSTALL_STAMP.relative_to(ROOT)} is missing: run.sh would run pip install"
    if INSTALL_STAMP.read_text().strip() != want:
        return False, "pyproject.toml changed since the last install: run.sh would run pip install"
    return True, "the install stamp matches pyproject.toml: run.sh skips pip install"


_CHECK_PINS = """
import importlib.metadata as md, re, sys, tomllib
deps = tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]
bad = []
for spec in deps:
    name, version = re.match(r"\\s*([A-Za-z0-9_.-]+)(?:\\[[^]]*\\])?==([^\\s;]+)", spec).groups()
    try:
        got = md.version(name)
    except md.PackageNotFoundError:
        got = None
    if got != version:
        bad.append(f"{name}: want {version}, have {got}")
try:
    md.version("nq57")
except md.PackageNotFoundError:
    bad.append("nq57 itself is not installed")
print("\\n".join(bad))
sys.exit(1 if bad else 0)
"""


def write_install_stamp():
    """Write the stamp _setup.sh writes after `pip install -e .`, but only if the venv already has every pin."""
    result = subprocess.run([str(VENV_PYTHON), "-c", _CHECK_PINS, str(ROOT / "pyproject.toml")],
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        sys.exit("Not writing the install stamp; the venv does not match pyproject.toml:\n" + result.stdout
                 + result.stderr)
    INSTALL_STAMP.write_text(hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest() + "\n")
    print(f"Wrote {INSTALL_STAMP.relative_to(ROOT)}: every pinned dependency is installed at its pinned version.")


def _pg_parts(database_url):
    url = urllib.parse.urlparse(database_url)
    if url.scheme not in {"postgres", "postgresql"}:
        sys.exit(f"--database-url must be a postgres:// URL, not {database_url!r}")
    name = url.path.lstrip("/")
    if not name or name in {"postgres", "template0", "template1"}:
        sys.exit("Give the benchmark its own database name (e.g. .../nq57bench): it is dropped and re-created.")
    args = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = urllib.parse.unquote(url.password)
    return name, args, env


def recreate_database(database_url):
    """Drop and create the benchmark database so that the start is a cold one."""
    name, args, env = _pg_parts(database_url)
    subprocess.run(["dropdb", *args, "--if-exists", "--force", name], check=True, env=env, timeout=60)
    subprocess.run(["createdb", *args, name], check=True, env=env, timeout=60)


def drop_database(database_url):
    name, args, env = _pg_parts(database_url)
    subprocess.run(["dropdb", *args, "--if-exists", "--force", name], check=True, env=env, timeout=60)


def http_status(url, timeout=2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout):
        return None


class RunSh:
    """One `bash scripts/run.sh` in its own process group, its output in a log file."""

    def __init__(self, data_dir, port, database_url=None, log_path=None, root=ROOT):
        self.root = Path(root)  # the checkout whose scripts/run.sh is started
        self.data_dir = Path(data_dir)
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = Path(log_path or self.data_dir / f"run-{int(time.time() * 1000)}.log")
        env = {**os.environ, "NQ57_DATA_DIR": str(self.data_dir), "NQ57_BIND": f"127.0.0.1:{port}",
               "NQ57_MODE": "demo", "PYTHONUNBUFFERED": "1"}
        env.pop("DEBUG", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        else:
            env.pop("DATABASE_URL", None)
        self.env = env
        self.process = None
        self.started_at = None

    def start(self):
        self.log = open(self.log_path, "wb")
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(["bash", "scripts/run.sh"], cwd=self.root, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def wait_healthy(self, timeout=300.0, poll=0.05):
        """Seconds from launch to the first 200 from /healthz, with the time each phase marker appeared."""
        deadline = self.started_at + timeout
        phases, seen = {}, set()
        while time.perf_counter() < deadline:
            now = time.perf_counter()
            text = self.log_path.read_text(errors="replace")
            for key, marker in PHASE_MARKERS:
                if key not in seen and marker in text:
                    seen.add(key)
                    phases[key] = round(now - self.started_at, 3)
            if self.process.poll() is not None:
                raise RuntimeError(f"run.sh exited with {self.process.returncode} before answering; "
                                   f"see {self.log_path}\n{text[-3000:]}")
            if http_status(f"{self.base_url}/healthz", timeout=1.0) == 200:
                return time.perf_counter() - self.started_at, phases
            time.sleep(poll)
        raise TimeoutError(f"/healthz did not answer 200 within {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout=30.0):
        """SIGTERM to `nq57 serve` (run.sh exec's into it), which stops gunicorn and the worker; then make sure
        nothing is left in the process group. Returns the seconds the clean stop took."""
        if self.process is None:
            return 0.0
        began = time.perf_counter()
        pgid = self.process.pid  # start_new_session: the leader's pid is the group id
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f"warning: run.sh did not stop within {timeout:.0f} s; terminating its group", file=sys.stderr)
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            if not _group_alive(pgid):
                break
            if sig == signal.SIGKILL:
                print("warning: killing leftover processes of the group", file=sys.stderr)
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            end = time.perf_counter() + grace
            while _group_alive(pgid) and time.perf_counter() < end:
                time.sleep(0.1)
        if self.process.poll() is None:
            self.process.wait(timeout=5)
        self.log.close()
        return time.perf_counter() - began


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Zombies still count for killpg; only report live members.
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def machine_summary():
    """A few lines about the machine, for the results."""
    lines = [f"nproc: {os.cpu_count()}"]
    try:
        lines.append(subprocess.run(["free", "-m"], capture_output=True, text=True, timeout=10).stdout.rstrip())
    except OSError:
        pass
    try:
        model = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
        if model:
            lines.append(f"cpu: {model.group(1)}")
    except OSError:
        pass
    lines.append(f"python: {sys.version.split()[0]}")
    return "\n".join(lines)

