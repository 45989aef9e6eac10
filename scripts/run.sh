#!/usr/bin/env bash
# Set up and run NQ57 at http://127.0.0.1:8000 (web server + background worker).
# First run: creates .venv, installs, migrates, loads the organisation map and the demo dataset.
source "$(dirname "$0")/_setup.sh"
setup_env ""
export NQ57_MODE="${NQ57_MODE:-demo}"
.venv/bin/nq57 bootstrap
exec .venv/bin/nq57 serve "$@"
