# Shared by run.sh and test.sh: find Python >= 3.12, create .venv, install pinned dependencies
# (skipped when pyproject.toml has not changed), compile translations.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  for candidate in python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
      command -v "$candidate"; return 0
    fi
  done
  # pyenv keeps versions that are not on PATH.
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

setup_env() {
  local extras="$1"  # "" or "test"
  if [ ! -x .venv/bin/python ]; then
    PYTHON="$(find_python)" || { echo "NQ57 needs Python 3.12 or newer; none was found." >&2; exit 1; }
    echo "Creating .venv with $PYTHON"
    "$PYTHON" -m venv .venv
  fi
  local stamp=".venv/.nq57-installed-${extras:-base}"
  local want
  want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing pinned dependencies…"
    local target="."
    [ -n "$extras" ] && target=".[${extras}]"
    # This workplace's pip configuration names local mirrors that may be absent: drop those notices only.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | { grep -v "^WARNING: Location" || true; }
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target" 2>&1 | { grep -v "^WARNING: Location" || true; }
    echo "$want" > "$stamp"
  fi
  if ! command -v msgfmt >/dev/null 2>&1; then
    echo "Installing gettext (msgfmt) to compile translations…"
    apt-get update -qq && apt-get install -y -qq gettext >/dev/null
  fi
  # Compile translations only when a catalogue changed (the .mo files are not committed).
  local po
  for po in nq57/locale/*/LC_MESSAGES/django.po; do
    if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then
      (cd nq57/locale && ../../.venv/bin/nq57 compilemessages --verbosity 0)
      break
    fi
  done
}
