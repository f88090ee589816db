# PostgreSQL: a throwaway cluster on a free loopback port. Exports CHATBLIZZ_TEST_POSTGRES_URL.
start_postgres() {
    local bin dir port
    for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && bin=$dir; done
    if [ -z "${bin:-}" ]; then
        apt_install postgresql
        for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && bin=$dir; done
    fi
    mkdir -p "$state/pgdata"
    give_to_unprivileged "$state/pgdata"
    port=$(free_port)
    run_unprivileged "$bin/initdb" -D "$state/pgdata" -U postgres --auth=trust --encoding=UTF8 --no-sync >"$state/initdb.log" 2>&1 \
        || { cat "$state/initdb.log" >&2; return 1; }
    run_unprivileged "$bin/pg_ctl" -D "$state/pgdata" -w -t 60 -l "$state/pgdata/server.log" \
        -o "-p $port -k $state/pgdata -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
    cleanup_hooks+=("run_unprivileged '$bin/pg_ctl' -D '$state/pgdata' -m immediate stop")
    export CHATBLIZZ_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    log "PostgreSQL on 127.0.0.1:$port"
}
