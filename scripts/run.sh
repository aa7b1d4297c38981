#!/usr/bin/env bash
# make run: prepare the database and demo data, then run web, worker and beat until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
VAR_DIR=${SEGWEB_VAR_DIR:-var}
mkdir -p "$VAR_DIR"

if $PY -c "import socket, sys; sys.exit(socket.socket().connect_ex(('$HOST', $PORT)) != 0)"; then
  echo "Port $PORT on $HOST is in use (another make run?): stop it, or run PORT=8001 make run." >&2
  exit 1
fi

# Without DATABASE_URL: the embedded PostgreSQL in var/postgres, started here, stopped on Ctrl-C.
embedded_db=""
if [ -z "${DATABASE_URL:-}" ]; then
  embedded_db="$VAR_DIR/postgres"
  echo "Starting the embedded PostgreSQL in $embedded_db ..."
  started=$($PY -m segweb.local_postgres start "$embedded_db")
  read -r state DATABASE_URL <<<"$started"
  export DATABASE_URL
  echo "PostgreSQL $state."
fi
stop_db() { if [ -n "$embedded_db" ]; then $PY -m segweb.local_postgres stop "$embedded_db"; fi; }
trap stop_db EXIT

$PY -m segweb.database  # creates the database DATABASE_URL names when it is new
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py create_demo_users
$PY manage.py load_demo --customers "${DEMO_CUSTOMERS:-25000}"
no_segments=$($PY manage.py shell -v0 -c 'from segments.models import SegmentationRun as R; print(int(R.objects.current() is None))')
if [ "$no_segments" = "1" ]; then
  $PY manage.py segment --sync
fi

pids=()
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  stop_db
  echo "segweb stopped."
}
trap stop INT TERM EXIT
.venv/bin/celery -A segweb --quiet worker --loglevel=WARNING --concurrency=2 & pids+=($!)
.venv/bin/celery -A segweb --quiet beat --loglevel=WARNING & pids+=($!)
$PY manage.py runserver "$HOST:$PORT" --noreload & pids+=($!)
sleep 4
echo
echo "segweb is running at http://$HOST:$PORT/  (Ctrl-C stops the web server, the worker and beat)"
wait -n "${pids[@]}"
