#!/usr/bin/env bash
# make run: prepare the database and demo data, then run web, worker and beat until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
VAR_DIR=${SEGWEB_VAR_DIR:-var}
# Seconds the web server, worker and beat get to stop on Ctrl-C before they are killed.
STOP_SECONDS=${STOP_SECONDS:-5}
# Quiet unless something needs attention (web, worker and beat share Django's LOGGING).
export LOG_LEVEL=${LOG_LEVEL:-WARNING}
mkdir -p "$VAR_DIR"
step() { echo "==> $*"; }

if $PY -c "import socket, sys; sys.exit(socket.socket().connect_ex(('$HOST', $PORT)) != 0)"; then
  echo "Port $PORT on $HOST is in use (another make run?): stop it, or run PORT=8001 make run." >&2
  exit 1
fi

# Commands typed in another shell of this checkout (manage.py ...) read .env: DEBUG on and a
# secret of its own. Deployments have no such file and stay strict.
if [ ! -f .env ]; then
  step "Writing .env (DEBUG on, a random SECRET_KEY) for manage.py commands in this checkout"
  (umask 077 && printf 'DEBUG=1\nSECRET_KEY=%s\n' "$($PY -c 'import secrets; print(secrets.token_urlsafe(48))')" > .env)
fi

# Without DATABASE_URL: the embedded PostgreSQL in var/postgres, started here, stopped on Ctrl-C.
embedded_db=""
if [ -z "${DATABASE_URL:-}" ]; then
  embedded_db="$VAR_DIR/postgres"
  step "Starting the embedded PostgreSQL in $embedded_db"
  started=$($PY -m segweb.local_postgres start "$embedded_db")
  read -r state DATABASE_URL <<<"$started"
  export DATABASE_URL
  echo "    PostgreSQL $state."
fi
stop_db() { if [ -n "$embedded_db" ]; then $PY -m segweb.local_postgres stop "$embedded_db"; fi; }
trap stop_db EXIT

step "Preparing the database (create if new, migrate) and the static files"
# Static files need no database: collected meanwhile, on the other core.
$PY manage.py collectstatic --noinput -v0 & static_pid=$!
$PY -m segweb.database
$PY manage.py migrate --noinput -v0
step "Demo users and demo data (only into an empty database)"
$PY manage.py prepare_demo --customers "${DEMO_CUSTOMERS:-25000}"
wait "$static_pid"

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  step "Stopping the web server, the worker and beat"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 $((STOP_SECONDS * 4))); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.25
  done
  # A worker in the middle of a task waits for it: its run is taken over by the next worker.
  for pid in "${pids[@]}"; do pkill -KILL -P "$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_db
  echo "segweb stopped."
}
trap stop INT TERM EXIT
step "Starting the web server, a worker and beat"
.venv/bin/celery -A segweb --quiet worker --loglevel=WARNING --concurrency=2 & pids+=($!)
.venv/bin/celery -A segweb --quiet beat --loglevel=WARNING & pids+=($!)
# The web server runs as in production (gunicorn, DEBUG off: the product's own 403, 404 and 500
# pages), over plain HTTP on this machine only; bound to every address, any host name is accepted.
web_hosts="$HOST,localhost,127.0.0.1"
if [ "$HOST" = "0.0.0.0" ] || [ "$HOST" = "::" ]; then web_hosts="*"; fi
DEBUG=0 HTTPS=0 ALLOWED_HOSTS="$web_hosts" .venv/bin/gunicorn segweb.wsgi --bind "$HOST:$PORT" \
  --workers 2 --threads 4 --graceful-timeout "$STOP_SECONDS" --log-level warning & pids+=($!)
$PY -c "
import time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen('http://$HOST:$PORT/login/', timeout=1)
        break
    except Exception:
        time.sleep(0.25)
"
echo
echo "segweb is running at http://$HOST:$PORT/  (Ctrl-C stops the web server, the worker and beat)"
wait -n "${pids[@]}"
