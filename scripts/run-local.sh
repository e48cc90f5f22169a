#!/usr/bin/env bash
# Sets up and runs the assistant on its embedded defaults (SQLite under var/, email written to
# files under var/mail) with a demo cycle, and the Microsoft 365 Agents Playground as the chat
# client, signed in as the demo cycle's DCS of Wokingham. Open http://localhost:56150 (PLAYGROUND_PORT).
# The Playground's telemetry is off; the assistant listens on 127.0.0.1 only (local mode has no sign-in).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export PORT=${PORT:-3978}
PLAYGROUND_PORT=${PLAYGROUND_PORT:-56150}
.venv/bin/peer-challenge db upgrade
.venv/bin/peer-challenge demo-calendar --output var/demo-calendar.yaml
.venv/bin/python scripts/playground_config.py --calendar var/demo-calendar.yaml \
  --authority "${PLAYGROUND_AUTHORITY:-wokingham}" --role "${PLAYGROUND_ROLE:-dcs}" \
  --output var/m365agentsplayground.yml

.venv/bin/peer-challenge serve --port "$PORT" &
ASSISTANT=$!
trap 'kill $ASSISTANT 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done

echo
echo "The assistant is running on http://127.0.0.1:$PORT/api/messages (this machine only: see HOST in docs/operating.md)"
echo "Open the Agents Playground at http://localhost:$PLAYGROUND_PORT and say hi. Ctrl+C stops both."
echo
M365_AGENTS_PLAYGROUND_CONFIG_PATH="$PWD/var/m365agentsplayground.yml" TEAMSAPPTESTER_BROWSER=none \
  node_modules/.bin/agentsplayground -e "http://127.0.0.1:$PORT/api/messages" -c msteams -p "$PLAYGROUND_PORT" --disable-telemetry
