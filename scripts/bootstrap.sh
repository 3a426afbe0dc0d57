#!/usr/bin/env bash
# webmap set-up, the logic behind `make run`, `make test`, `make setup`, `make lint`, `make stop-db`.
#
#   scripts/bootstrap.sh run        set up, then serve on http://$HOST:$PORT (gunicorn; Flask dev
#                                   server when FLASK_DEBUG=1)
#   scripts/bootstrap.sh test       set up against database webmap_test, then run pytest
#   scripts/bootstrap.sh setup      set up as for `run`, don't serve
#   scripts/bootstrap.sh lint       dev virtualenv, then `ruff check .`
#   scripts/bootstrap.sh db-url [run|test]
#                                   set up the database only and print its DATABASE_URL
#   scripts/bootstrap.sh stop-db    stop the private PostgreSQL cluster under var/, if running
#
# "Set up" means: Debian packages that are missing (PostGIS, python3-venv; Chromium for tests),
# the .venv virtualenv with the pinned requirements, a PostGIS database (DATABASE_URL, else the
# server on 127.0.0.1:5432, else a private cluster under var/), compiled translations, then
# `webmap db upgrade`, `webmap geodata`, `webmap seed`. Every step is idempotent and skips quickly
# when there is nothing to do. Environment variables: see docs/reference.md.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
VAR="$ROOT/var"
PG_PROBE_PORT="${WEBMAP_PG_PROBE_PORT:-5432}"
PG_PRIVATE_PORT="${WEBMAP_PG_PORT:-54329}"
DEFAULT_PG_MAJOR=15
APT_UPDATED=""

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf '==> warning: %s\n' "$*" >&2; }
die() {
    printf '==> error: %s\n' "$*" >&2
    exit 1
}
on_error() {
    printf '==> error: command failed (exit %s, %s line %s): %s\n' \
        "$1" "${BASH_SOURCE[1]##*/}" "$2" "$3" >&2
}
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

usage() {
    sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# --------------------------------------------------------------------------- system packages

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "'$*' needs root: run as root or install sudo"
    fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 \
        || die "apt-get not found: install these packages by hand, then re-run: $*"
    if [[ -z $APT_UPDATED ]]; then
        say "Updating the apt package lists"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
            || die "apt-get update failed"
        APT_UPDATED=1
    fi
    say "Installing Debian packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
        || die "apt-get install $* failed"
}

deb_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# PostgreSQL major versions with PostGIS installed, newest first.
postgis_majors() {
    local control
    for control in /usr/share/postgresql/*/extension/postgis.control; do
        [[ -e $control ]] || continue
        control="${control#/usr/share/postgresql/}"
        printf '%s\n' "${control%%/*}"
    done | sort -rn
}

installed_pg_majors() {
    local bindir
    for bindir in /usr/lib/postgresql/*/bin; do
        [[ -x $bindir/initdb ]] || continue
        bindir="${bindir#/usr/lib/postgresql/}"
        printf '%s\n' "${bindir%%/*}"
    done | sort -rn
}

ensure_postgis_installed() {
    if [[ -n "$(postgis_majors)" ]]; then
        return
    fi
    local major
    major="$(installed_pg_majors | head -n1)"
    major="${major:-$DEFAULT_PG_MAJOR}"
    say "PostGIS is not installed"
    apt_install "postgresql-$major-postgis-3"
    [[ -n "$(postgis_majors)" ]] || die "postgresql-$major-postgis-3 installed but no postgis.control found"
}

# A PostgreSQL client program (psql, pg_isready, ...): from PATH, else from the server packages.
pg_tool() {
    local name="$1" major
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return
    fi
    for major in $(installed_pg_majors); do
        if [[ -x /usr/lib/postgresql/$major/bin/$name ]]; then
            printf '%s\n' "/usr/lib/postgresql/$major/bin/$name"
            return
        fi
    done
    return 1
}

ensure_pg_client() {
    if ! pg_tool psql >/dev/null || ! pg_tool pg_isready >/dev/null; then
        apt_install postgresql-client
    fi
    PSQL="$(pg_tool psql)"
    PG_ISREADY="$(pg_tool pg_isready)"
}

ensure_chromium() {
    if [[ ! -x /usr/bin/chromium ]]; then
        say "Chromium is missing (browser tests drive Debian's chromium)"
        apt_install chromium chromium-driver
    fi
}

# axe-core for the accessibility browser tests, from the npm registry at the version pinned in
# tests/e2e/package-lock.json (never served by the app; nothing is fetched at run time).
ensure_test_node_modules() {
    local dir=tests/e2e stamp=tests/e2e/node_modules/.webmap-lock
    if [[ -f $stamp ]] && cmp -s "$dir/package-lock.json" "$stamp"; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        say "npm is missing (it fetches axe-core for the accessibility tests)"
        apt_install npm
    fi
    say "Installing the browser-test tools of $dir/package-lock.json (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $dir"
    cp "$dir/package-lock.json" "$stamp"
}

# Shared libraries that some pinned Python packages load at run time (not shipped in wheels).
ensure_runtime_libs() {
    local missing=() pkg
    if grep -qiE '^weasyprint\b' requirements.txt && command -v dpkg-query >/dev/null 2>&1; then
        for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do
            deb_installed "$pkg" || missing+=("$pkg")
        done
    fi
    if [[ ${#missing[@]} -gt 0 ]]; then
        say "WeasyPrint needs Pango and fonts"
        apt_install "${missing[@]}"
    fi
}

# ------------------------------------------------------------------------------- virtualenv

python_ok() { # usage: python_ok PYTHON -> true when it is Python >= 3.11
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

ensure_venv() {
    local mode="$1" python="${PYTHON:-python3}"
    if [[ -x $VENV/bin/python ]] && python_ok "$VENV/bin/python" \
        && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        :
    else
        if ! command -v "$python" >/dev/null 2>&1; then
            apt_install python3 python3-venv
        fi
        python_ok "$python" || die "webmap needs Python >= 3.11; '$python' is $("$python" -V 2>&1)" \
            "(set PYTHON=/path/to/python3.11)"
        say "Creating the virtualenv .venv with $("$python" -V 2>&1)"
        rm -rf "$VENV"
        if ! "$python" -m venv "$VENV" >/dev/null 2>&1; then
            # Debian ships venv/ensurepip separately.
            apt_install python3-venv
            rm -rf "$VENV"
            "$python" -m venv "$VENV" || die "could not create the virtualenv .venv"
        fi
    fi

    local files=(requirements.txt)
    [[ $mode == test ]] && files=(requirements-dev.txt requirements.txt)
    files+=(pyproject.toml)
    local digest stamp
    digest="$(cat "${files[@]}" | sha256sum | cut -c1-16)"
    stamp="$VENV/.requirements-$mode-$digest"
    if [[ -e $stamp ]]; then
        say "Python packages up to date (.venv)"
        return
    fi

    local pip=("$VENV/bin/python" -m pip install --no-input --quiet --disable-pip-version-check)
    [[ -n ${CI:-} ]] && pip+=(--progress-bar off)
    say "Installing Python packages from ${files[0]} into .venv"
    "${pip[@]}" -r "${files[0]}" || die "pip install -r ${files[0]} failed"
    say "Installing webmap itself (editable)"
    local isolation=()
    # The venv's own setuptools can build the editable install offline when it is recent enough.
    # (setuptools >= 64 for editable installs; bdist_wheel is built in from 70.1, else needs wheel).
    if "$VENV/bin/python" - >/dev/null 2>&1 <<'EOF'
import importlib.util, sys
import setuptools
version = tuple(int(p) for p in setuptools.__version__.split(".")[:2])
has_wheel = version >= (70, 1) or importlib.util.find_spec("wheel") is not None
sys.exit(0 if version >= (64, 0) and has_wheel else 1)
EOF
    then
        isolation=(--no-build-isolation)
    fi
    # The build backend's chatter goes to a log, shown only when the install fails.
    mkdir -p "$VAR"
    "${pip[@]}" --no-deps "${isolation[@]}" -e . >"$VAR/pip-editable.log" 2>&1 \
        || die "pip install -e . failed:
$(tail -n 40 "$VAR/pip-editable.log")"
    rm -f "$VENV"/.requirements-"$mode"-*
    touch "$stamp"
}

# --------------------------------------------------------------------------------- database

# psql as superuser postgres over TCP, never prompting for a password; extra args passed on.
psql_at() { # usage: psql_at HOST PORT DBNAME [psql args...]
    local host="$1" port="$2" dbname="$3"
    shift 3
    PGCONNECT_TIMEOUT=5 PGOPTIONS='-c client_min_messages=warning' \
        "$PSQL" -X -w -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U postgres -d "$dbname" "$@"
}

psql_url() { # usage: psql_url LIBPQ_URL [psql args...]
    local url="$1"
    shift
    PGCONNECT_TIMEOUT=5 PGOPTIONS='-c client_min_messages=warning' \
        "$PSQL" -X -w -q -v ON_ERROR_STOP=1 -d "$url" "$@"
}

any_python() {
    if [[ -x $VENV/bin/python ]]; then
        printf '%s\n' "$VENV/bin/python"
    else
        printf '%s\n' "${PYTHON:-python3}"
    fi
}

redact() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

# Where the private cluster lives. As root, the cluster runs as the postgres user, which must be
# able to reach var/ (a checkout under /root is not reachable): then it lives in postgres's home.
private_cluster_dirs() {
    if [[ -n ${WEBMAP_PG_DIR:-} ]]; then
        PG_BASE="$WEBMAP_PG_DIR"
    else
        PG_BASE="$VAR"
        if [[ $EUID -eq 0 ]]; then
            mkdir -p "$VAR"
            if ! runuser -u postgres -- test -x "$VAR" 2>/dev/null; then
                local home
                home="$(getent passwd postgres | cut -d: -f6)"
                PG_BASE="${home:-/var/lib/postgresql}/webmap-$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)"
            fi
        fi
    fi
    PGDATA_DIR="$PG_BASE/pgdata"
    PGRUN_DIR="$PG_BASE/pgrun"
}

as_pg_owner() {
    if [[ $EUID -eq 0 ]]; then
        # From /, since the postgres user may not be able to enter the current directory.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

private_pg_bindir() {
    local major
    major="$(postgis_majors | head -n1)"
    [[ -n $major && -x /usr/lib/postgresql/$major/bin/initdb ]] \
        || die "no PostgreSQL server binaries with PostGIS (/usr/lib/postgresql/<version>/bin)"
    printf '%s\n' "/usr/lib/postgresql/$major/bin"
}

start_private_cluster() {
    private_cluster_dirs
    local bindir
    bindir="$(private_pg_bindir)"
    if [[ $EUID -eq 0 ]]; then
        getent passwd postgres >/dev/null || die "the 'postgres' system user is missing (it comes with the postgresql package)"
    fi
    if [[ ! -s $PGDATA_DIR/PG_VERSION ]]; then
        say "Initialising a private PostgreSQL cluster in $PGDATA_DIR"
        mkdir -p "$PGDATA_DIR" "$PGRUN_DIR"
        if [[ $EUID -eq 0 ]]; then
            chown postgres:postgres "$PGDATA_DIR" "$PGRUN_DIR"
        fi
        chmod 700 "$PGDATA_DIR"
        as_pg_owner "$bindir/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >"$PGRUN_DIR/initdb.log" 2>&1 \
            || die "initdb failed, see $PGRUN_DIR/initdb.log"
        # Local only: TCP on 127.0.0.1 and a socket directory of its own (not /var/run/postgresql).
        as_pg_owner tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<EOF

# --- added by webmap scripts/bootstrap.sh ---
listen_addresses = '127.0.0.1'
port = $PG_PRIVATE_PORT
unix_socket_directories = '$PGRUN_DIR'
EOF
    fi
    if as_pg_owner "$bindir/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
        # Keep the port it was started on (line 4 of postmaster.pid).
        PG_PRIVATE_PORT="$(sed -n 4p "$PGDATA_DIR/postmaster.pid")"
        say "Private PostgreSQL cluster already running on 127.0.0.1:$PG_PRIVATE_PORT ($PGDATA_DIR)"
    else
        say "Starting the private PostgreSQL cluster on 127.0.0.1:$PG_PRIVATE_PORT"
        as_pg_owner "$bindir/pg_ctl" -D "$PGDATA_DIR" -l "$PGRUN_DIR/postgresql.log" -w -t 60 \
            -o "-p $PG_PRIVATE_PORT" start >/dev/null 9>&- \
            || die "PostgreSQL did not start (port $PG_PRIVATE_PORT taken? set WEBMAP_PG_PORT);" \
                "last lines of $PGRUN_DIR/postgresql.log:
$(tail -n 20 "$PGRUN_DIR/postgresql.log" 2>/dev/null)"
    fi
}

stop_private_cluster() {
    private_cluster_dirs
    if [[ ! -s $PGDATA_DIR/PG_VERSION ]]; then
        say "No private PostgreSQL cluster in $PGDATA_DIR"
        return
    fi
    local bindir
    bindir="/usr/lib/postgresql/$(cat "$PGDATA_DIR/PG_VERSION")/bin"
    if as_pg_owner "$bindir/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
        say "Stopping the private PostgreSQL cluster ($PGDATA_DIR)"
        as_pg_owner "$bindir/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
    else
        say "Private PostgreSQL cluster is not running ($PGDATA_DIR)"
    fi
}

# Is the server on 127.0.0.1:PORT usable: answering, superuser postgres without a password,
# PostGIS available (installing the PostGIS package for its version when it is missing)?
probe_local_server() {
    local port="$1" major
    "$PG_ISREADY" -q -h 127.0.0.1 -p "$port" -t 3 || return 1
    if ! major="$(psql_at 127.0.0.1 "$port" postgres -Atc \
        "SELECT current_setting('server_version_num')::int / 10000
         FROM pg_roles WHERE rolname = current_user AND rolsuper" 2>/dev/null)" || [[ -z $major ]]; then
        warn "a server answers on 127.0.0.1:$port but does not let superuser 'postgres' in" \
            "without a password"
        return 1
    fi
    if [[ ! -e /usr/share/postgresql/$major/extension/postgis.control ]] \
        && command -v apt-get >/dev/null 2>&1; then
        say "The server on 127.0.0.1:$port is PostgreSQL $major, without PostGIS"
        apt_install "postgresql-$major-postgis-3" || true
    fi
    if [[ "$(psql_at 127.0.0.1 "$port" postgres -Atc \
        "SELECT count(*) FROM pg_available_extensions WHERE name IN ('postgis', 'pg_trgm')")" != 2 ]]; then
        warn "the server on 127.0.0.1:$port offers no PostGIS or pg_trgm extension"
        return 1
    fi
}

# Sets DATABASE_URL (SQLAlchemy form) and creates the database and its extensions when missing.
ensure_database() {
    local dbname="$1" libpq_url admin_url
    if [[ -n ${DATABASE_URL:-} ]]; then
        say "Using DATABASE_URL=$(redact "$DATABASE_URL")"
        local parsed
        parsed="$("$(any_python)" - "$DATABASE_URL" <<'EOF'
import sys
from urllib.parse import urlsplit, urlunsplit

url = sys.argv[1]
scheme, _, rest = url.partition("://")
libpq = "postgresql://" + rest
parts = urlsplit(libpq)
print(parts.hostname or "")
print(parts.path.lstrip("/") or "")
print(libpq)
print(urlunsplit(parts._replace(path="/postgres")))
EOF
)" || die "DATABASE_URL is not a URL: $(redact "$DATABASE_URL")"
        local host
        { read -r host; read -r dbname; read -r libpq_url; read -r admin_url; } <<<"$parsed"
        [[ -n $dbname ]] || die "DATABASE_URL names no database"
        case "$host" in
            "" | localhost | 127.* | ::1 | /*) ensure_postgis_installed ;;
        esac
        ensure_pg_client
    else
        ensure_postgis_installed
        ensure_pg_client
        local host=127.0.0.1 port
        if probe_local_server "$PG_PROBE_PORT"; then
            port="$PG_PROBE_PORT"
            say "Using the PostgreSQL server on 127.0.0.1:$port"
        else
            say "No usable PostgreSQL server on 127.0.0.1:$PG_PROBE_PORT; using a private cluster"
            start_private_cluster
            port="$PG_PRIVATE_PORT"
        fi
        libpq_url="postgresql://postgres@$host:$port/$dbname"
        admin_url="postgresql://postgres@$host:$port/postgres"
        export DATABASE_URL="postgresql+psycopg://postgres@$host:$port/$dbname"
    fi

    if ! psql_url "$libpq_url" -c 'SELECT 1' >/dev/null 2>&1; then
        local exists
        exists="$(psql_url "$admin_url" -At -v db="$dbname" \
            <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")" \
            || die "cannot connect to $(redact "$admin_url")"
        [[ $exists != 1 ]] || die "database $dbname exists but cannot be connected to:
$(psql_url "$libpq_url" -c 'SELECT 1' 2>&1 >/dev/null)"
        say "Creating database $dbname"
        psql_url "$admin_url" -v db="$dbname" <<<'CREATE DATABASE :"db";' \
            || die "could not create database $dbname"
    fi
    psql_url "$libpq_url" -c 'CREATE EXTENSION IF NOT EXISTS postgis' \
        -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm' \
        || die "could not create the postgis and pg_trgm extensions in $dbname (needs a superuser" \
            "and PostGIS installed on the database server)"
    say "Database ready: DATABASE_URL=$(redact "$DATABASE_URL")"
}

# ------------------------------------------------------------------------------------ steps

compile_translations() {
    # One catalogue per feature package: every webmap/**/translations folder holding .po files.
    local dir
    while IFS= read -r dir; do
        if [[ -n "$(find "$dir" -name '*.po' -print -quit)" ]]; then
            "$VENV/bin/pybabel" -q compile -d "$dir" || die "pybabel compile failed in $dir"
        fi
    done < <(find webmap -type d -name translations -not -path '*/__pycache__/*' | sort)
    say "Compiled translations"
}

load_data() {
    say "Migrating the database (webmap db upgrade)"
    "$VENV/bin/webmap" db upgrade
    say "Loading reference geodata (webmap geodata)"
    "$VENV/bin/webmap" geodata
    say "Loading the seed directory (webmap seed)"
    "$VENV/bin/webmap" seed
    say "Loading the reference at-risk zones (webmap riskzones)"
    "$VENV/bin/webmap" riskzones
}

ensure_secret_key() {
    # More than one gunicorn worker needs one shared key, and sessions should survive restarts.
    if [[ -z ${SECRET_KEY:-} && ${FLASK_DEBUG:-0} != 1 ]]; then
        local keyfile="$VAR/secret_key"
        if [[ ! -s $keyfile ]]; then
            say "Generating a SECRET_KEY in var/secret_key (set SECRET_KEY to override)"
            (umask 077 && "$(any_python)" -c 'import secrets; print(secrets.token_hex(32))' >"$keyfile")
        fi
        SECRET_KEY="$(cat "$keyfile")"
        export SECRET_KEY
    fi
}

lock() {
    # One set-up at a time per checkout (pip and initdb don't like company).
    mkdir -p "$VAR"
    exec 9>"$VAR/.bootstrap.lock"
    if ! flock -n 9; then
        say "Waiting for another set-up of this checkout to finish"
        flock -w 900 9 || die "another set-up still holds var/.bootstrap.lock after 15 minutes"
    fi
}

unlock() { exec 9>&-; }

setup() { # usage: setup run|test
    local mode="$1"
    lock
    if [[ $mode == test ]]; then
        ensure_chromium
        ensure_test_node_modules
    fi
    ensure_runtime_libs
    ensure_venv "$mode"
    if [[ $mode == test ]]; then
        ensure_database webmap_test
    else
        ensure_database webmap
    fi
    compile_translations
    load_data
    unlock
}

# ------------------------------------------------------------------------------------- main

main() {
    local cmd="${1:-help}"
    [[ $# -gt 0 ]] && shift
    local started=$SECONDS
    case "$cmd" in
        run)
            setup run
            ensure_secret_key
            local host="${HOST:-127.0.0.1}" port="${PORT:-5000}"
            if [[ ${FLASK_DEBUG:-0} == 1 ]]; then
                say "Serving with the Flask development server on http://$host:$port (FLASK_DEBUG=1)"
                exec "$VENV/bin/flask" --app webmap run --host "$host" --port "$port"
            fi
            say "Set-up done in $((SECONDS - started))s; serving on http://$host:$port (gunicorn)"
            # gthread workers: keep-alive, and a slow phone connection holds a thread, not a process
            # (the configuration scripts/bench_nearest.py measures).
            exec "$VENV/bin/gunicorn" -w "${WEB_CONCURRENCY:-2}" --worker-class gthread --threads "${WEB_THREADS:-4}" \
                -b "$host:$port" --no-control-socket -c scripts/gunicorn.conf.py 'webmap:create_app()'
            ;;
        test)
            setup test
            local args=()
            # PYTEST_ARGS is split like a shell command line, so quotes work: PYTEST_ARGS="-k 'a or b'"
            eval "args=(${PYTEST_ARGS:-})"
            say "Set-up done in $((SECONDS - started))s; running pytest ${args[*]}"
            local rc=0
            "$VENV/bin/python" -m pytest "${args[@]}" || rc=$?
            if [[ $rc -eq 0 ]]; then
                say "Tests passed"
            elif [[ $rc -eq 5 ]]; then
                # pytest's "no tests collected" (an empty selection) is not a failure.
                warn "pytest collected no tests"
                rc=0
            else
                say "Tests FAILED (pytest exit status $rc)"
            fi
            exit "$rc"
            ;;
        setup)
            local mode="${1:-run}"
            [[ $mode == run || $mode == test ]] || die "usage: $0 setup [run|test]"
            setup "$mode"
            if [[ $mode == run ]]; then
                ensure_secret_key
            fi
            say "Set-up done in $((SECONDS - started))s; DATABASE_URL=$(redact "$DATABASE_URL")"
            ;;
        db-url)
            local mode="${1:-run}"
            lock
            if [[ $mode == test ]]; then
                ensure_database webmap_test
            else
                ensure_database webmap
            fi
            unlock
            printf '%s\n' "$DATABASE_URL"
            ;;
        lint)
            lock
            ensure_venv test
            unlock
            say "ruff check ."
            "$VENV/bin/ruff" check .
            ;;
        stop-db)
            stop_private_cluster
            ;;
        help | -h | --help)
            usage
            ;;
        *)
            usage >&2
            die "unknown command: $cmd"
            ;;
    esac
}

main "$@"
