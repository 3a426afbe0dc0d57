#!/bin/sh
# Entry point of the webmap image (see Dockerfile): `serve` (the default) prepares the database
# and serves with gunicorn on 0.0.0.0:$PORT; anything else is run as given.
set -eu

if [ "${1:-serve}" != serve ]; then
    exec "$@"
fi

: "${DATABASE_URL:?DATABASE_URL must be set}"
: "${SECRET_KEY:?SECRET_KEY must be set (one key shared by every worker)}"

echo "==> Migrating the database (webmap db upgrade)"
webmap db upgrade
echo "==> Loading reference geodata (webmap geodata)"
webmap geodata
echo "==> Loading the seed directory (webmap seed)"
webmap seed
echo "==> Serving on 0.0.0.0:${PORT:-5000} (gunicorn, ${WEB_CONCURRENCY:-2} workers × ${WEB_THREADS:-4} threads)"
exec gunicorn -w "${WEB_CONCURRENCY:-2}" --worker-class gthread --threads "${WEB_THREADS:-4}" \
    -b "0.0.0.0:${PORT:-5000}" --no-control-socket -c /app/scripts/gunicorn.conf.py \
    --access-logfile - 'webmap:create_app()'
