# MariaDB: a throwaway server (Debian's mariadb-server) on a free loopback port, with a password user allowed to create
# databases (each test makes its own). Also installs MariaDB Connector/C (libmariadb-dev), which the package's MariaDB
# trait links. Exports CHATBLIZZ_TEST_MARIADB_URL.
start_mariadb() {
    local port pid dir=$state/mariadb
    apt_install mariadb-server libmariadb-dev pkg-config
    port=$(free_port)
    mkdir -p "$dir/data"
    give_to_unprivileged "$dir"
    run_unprivileged mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
        --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; return 1; }
    # No durability settings here: a test server that loses data on a crash is fine, a slow one is not.
    run_unprivileged mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/mariadb.sock" --pid-file="$dir/mariadb.pid" \
        --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --innodb-flush-log-at-trx-commit=0 \
        --innodb-buffer-pool-size=128M --max-connections=300 --character-set-server=utf8mb4 \
        --collation-server=utf8mb4_nopad_bin >"$dir/server.log" 2>&1 &
    pid=$!
    cleanup_hooks+=("kill $pid; [ -f '$dir/mariadb.pid' ] && kill \$(cat '$dir/mariadb.pid')")
    wait_for_port "$port" || { cat "$dir/server.log" >&2; return 1; }
    mariadb --no-defaults --socket="$dir/mariadb.sock" -uroot <<'SQL' || { cat "$dir/server.log" >&2; return 1; }
CREATE USER 'chatblizz'@'127.0.0.1' IDENTIFIED BY 'chatblizz-test';
GRANT ALL PRIVILEGES ON *.* TO 'chatblizz'@'127.0.0.1';
CREATE DATABASE chatblizz;
SQL
    export CHATBLIZZ_TEST_MARIADB_URL="mariadb://chatblizz:chatblizz-test@127.0.0.1:$port/chatblizz"
    log "MariaDB on 127.0.0.1:$port"
}
