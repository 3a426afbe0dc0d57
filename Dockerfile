# webmap application image. Used by docker-compose.yml (service "app"), which supplies the PostGIS
# database, DATABASE_URL, SECRET_KEY and the reference geodata mirror mounted at /geodata.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Shared libraries and fonts for PDF rendering (WeasyPrint uses Pango/HarfBuzz).
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that code changes don't reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# Editable install: the app finds templates/ and data/geo/ beside its package, in /app.
RUN pip install --no-deps -e . \
    && for dir in $(find webmap -type d -name translations); do \
        if [ -n "$(find "$dir" -name '*.po')" ]; then pybabel -q compile -d "$dir"; fi; \
    done \
    && useradd --system --user-group --home-dir /app --shell /usr/sbin/nologin webmap \
    && mkdir -p /app/var/geodata \
    && chown -R webmap:webmap /app/var

USER webmap
ENV WEBMAP_GEODATA_MIRROR=/geodata \
    WEBMAP_GEODATA_CACHE=/app/var/geodata \
    PORT=5000 \
    MPLCONFIGDIR=/tmp/matplotlib
EXPOSE 5000

HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '5000'), timeout=4)"]

# "serve" migrates, loads reference data and the seed directory, then runs gunicorn; any other
# command runs as given, e.g. `docker compose run --rm app webmap --help`.
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["serve"]
