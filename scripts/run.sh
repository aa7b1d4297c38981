#!/usr/bin/env bash
# make run: prepare the database and demo data, then run web, worker and beat until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
mkdir -p var

$PY -m segweb.database  # creates the PostgreSQL database when DATABASE_URL names a new one
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py create_demo_users
$PY manage.py load_demo --customers "${DEMO_CUSTOMERS:-25000}"
no_segments=$($PY manage.py shell -v0 -c 'from segments.models import SegmentationRun as R; print(int(R.objects.current() is None))')
if [ "$no_segments" = "1" ]; then
  $PY manage.py segment --sync
fi

pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; echo "segweb stopped."; }
trap stop INT TERM EXIT
.venv/bin/celery -A segweb --quiet worker --loglevel=WARNING --concurrency=2 & pids+=($!)
.venv/bin/celery -A segweb --quiet beat --loglevel=WARNING & pids+=($!)
$PY manage.py runserver "$HOST:$PORT" --noreload & pids+=($!)
sleep 4
echo
echo "segweb is running at http://$HOST:$PORT/  (Ctrl-C stops the web server, the worker and beat)"
wait -n "${pids[@]}"
