#!/usr/bin/env bash
# Set up and run the whole test suite, on SQLite and then on PostgreSQL.
# Installs what the tests need: Python packages, Debian's chromium for the browser tests.
source "$(dirname "$0")/_setup.sh"
setup_env "test"

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  echo "PostgreSQL is not answering; starting it…"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1 && break; sleep 1; done
fi

export NQ57_MODE=demo DEBUG=0
status=0
run_suite() {
  local label="$1"; shift
  echo "=== Test suite on ${label} ==="
  local data_dir
  data_dir="$(mktemp -d)"
  set +e
  NQ57_DATA_DIR="$data_dir" "$@" .venv/bin/python -m pytest -p no:cacheprovider "${PYTEST_ARGS[@]}"
  local code=$?
  set -e
  rm -rf "$data_dir"
  if [ "$code" -eq 5 ]; then
    echo "pytest collected no tests on ${label}: that is a failure." >&2
    code=1
  fi
  [ "$code" -eq 0 ] || status=1
}
PYTEST_ARGS=("$@")
run_suite "SQLite" env -u DATABASE_URL
run_suite "PostgreSQL" env DATABASE_URL="$PG_URL"
exit "$status"
