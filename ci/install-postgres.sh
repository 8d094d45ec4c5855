#!/usr/bin/env bash
# PostgreSQL for the store's tests (gongfu-store, gongfu-server): installs the
# Debian `postgresql` package if it is missing, creates and starts the
# cluster, creates the role `gongfu` and the database `gongfu_test`, and gives
# the URL. Idempotent; run as root on Debian.
#
#   source ci/install-postgres.sh          # exports GONGFU_TEST_POSTGRES_URL
#   eval "$(bash ci/install-postgres.sh)"  # the same from another shell
#
# Progress goes to standard error; executed (not sourced), the script prints
# the `export GONGFU_TEST_POSTGRES_URL=...` line on standard output.

_gongfu_postgres_setup() (
    set -euo pipefail
    role=gongfu
    password=gongfu
    database=gongfu_test
    log() { echo "install-postgres: $*" >&2; }

    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        log "installing the postgresql package"
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        apt-get clean
    fi
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
        log "creating the cluster $version/main"
        pg_createcluster "$version" main >&2
    fi
    if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
        log "starting the cluster $version/main"
        pg_ctlcluster "$version" main start >&2
    fi
    port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
    for _ in $(seq 1 60); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 0.5
    done
    pg_isready -q -h 127.0.0.1 -p "$port" || { log "the server does not answer on port $port"; exit 1; }
    sql() { runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -qtAc "$1"; }
    if [ "$(sql "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != 1 ]; then
        log "creating the role $role"
        sql "CREATE ROLE $role LOGIN PASSWORD '$password'" >&2
    fi
    if [ "$(sql "SELECT 1 FROM pg_database WHERE datname = '$database'")" != 1 ]; then
        log "creating the database $database"
        sql "CREATE DATABASE $database OWNER $role" >&2
    fi
    echo "postgres://$role:$password@127.0.0.1:$port/$database"
)

if _gongfu_postgres_url=$(_gongfu_postgres_setup); then
    export GONGFU_TEST_POSTGRES_URL="$_gongfu_postgres_url"
    if [ "${BASH_SOURCE[0]}" = "$0" ]; then
        echo "export GONGFU_TEST_POSTGRES_URL=$_gongfu_postgres_url"
    else
        echo "install-postgres: GONGFU_TEST_POSTGRES_URL=$_gongfu_postgres_url" >&2
    fi
    unset _gongfu_postgres_url
else
    echo "install-postgres: failed" >&2
    unset _gongfu_postgres_url
    # `return` when sourced, `exit` when executed
    return 1 2>/dev/null || exit 1
fi
