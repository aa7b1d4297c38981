"""gunicorn for segweb (the Dockerfile and docker compose): threads, so long downloads wait on
the network and the database, not on a worker.

A campaign list of a million members is about 120 MB, streamed from PostgreSQL as fast as the
client reads it; a slow client holds one thread of one worker for minutes while the others keep
serving pages. Override any value with GUNICORN_CMD_ARGS (e.g. "--threads 16") or the number of
worker processes with WEB_CONCURRENCY.
"""

import os

bind = "0.0.0.0:8000"
# One process per core; each serves `threads` requests at once (pages wait on PostgreSQL).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 8
# A gthread worker's main loop reports alive while its threads work: this is how long a hung
# process lives, not how long a request may take (a download may take minutes).
timeout = 60
# A worker that stops (a restart after max_requests, a deploy, docker stop) lets downloads in
# flight finish this long; docker-compose's stop_grace_period for web is longer.
graceful_timeout = 120
# Restart each worker after about a thousand requests, workers apart, so slow growth of
# memory (pandas, charts) never accumulates.
max_requests = 1000
max_requests_jitter = 200
keepalive = 5
