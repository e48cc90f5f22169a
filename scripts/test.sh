#!/usr/bin/env bash
# Sets up everything the tests need and runs the whole suite. PostgreSQL tests run when
# TEST_DATABASE_URL is set (for example postgresql://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
exec .venv/bin/python -m pytest "$@"
