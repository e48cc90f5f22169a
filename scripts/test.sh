#!/usr/bin/env bash
# Sets up everything the tests need, checks the code's shape (lint, types, the import contract) and
# runs the whole suite. PostgreSQL tests run when TEST_DATABASE_URL is set (for example
# postgresql://postgres@127.0.0.1:5432/test). Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
echo "ruff: lint" >&2
.venv/bin/ruff check --quiet .
echo "mypy: types (strict on programme/ and storage/)" >&2
.venv/bin/mypy
echo "import-linter: the arrows between the packages" >&2
.venv/bin/lint-imports --no-cache > /tmp/lint-imports.$$ 2>&1 || { cat /tmp/lint-imports.$$ >&2; rm -f /tmp/lint-imports.$$; exit 1; }
rm -f /tmp/lint-imports.$$
exec .venv/bin/python -m pytest "$@"
