# Redis: a throwaway redis-server (Debian package) on a free loopback port, without persistence.
# Exports CHATBLIZZ_TEST_REDIS_URL for the shared server and CHATBLIZZ_TEST_REDIS_SERVER_BIN for tests that start their
# own (restarts, passwords, CLIENT KILL).
start_redis() {
    local port pid
    command -v redis-server >/dev/null || apt_install redis-server
    port=$(free_port)
    mkdir -p "$state/redis"
    give_to_unprivileged "$state/redis"
    run_unprivileged redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
        --dir "$state/redis" --pidfile "$state/redis/redis.pid" >"$state/redis/server.log" 2>&1 &
    pid=$!
    # runuser forwards the signal; the pid file catches the server itself should it not.
    cleanup_hooks+=("kill $pid; [ -f '$state/redis/redis.pid' ] && kill \$(cat '$state/redis/redis.pid')")
    wait_for_port "$port" || { cat "$state/redis/server.log" >&2; return 1; }
    export CHATBLIZZ_TEST_REDIS_URL="redis://127.0.0.1:$port"
    CHATBLIZZ_TEST_REDIS_SERVER_BIN=$(command -v redis-server)
    export CHATBLIZZ_TEST_REDIS_SERVER_BIN
    log "Redis on 127.0.0.1:$port"
}
