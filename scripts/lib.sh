# Shared by scripts/test and scripts/bench-scaleout: logging, a state directory removed on exit (with cleanup hooks run
# in reverse order), Debian package installs, free ports, and running servers as an unprivileged user when root.
# Sourced, not run; the caller sets `root` (the repo) and may set `log_prefix`.

log() { echo "${log_prefix:-scripts/test}: $*" >&2; }

state=$(mktemp -d /tmp/chatblizz-test.XXXXXX)
chmod 755 "$state"
cleanup_hooks=()
cleanup() {
    set +e
    local index
    for ((index = ${#cleanup_hooks[@]} - 1; index >= 0; index--)); do eval "${cleanup_hooks[index]}" >/dev/null 2>&1; done
    rm -rf "$state"
}
trap cleanup EXIT

apt_updated=0
# Installs the Debian packages that are missing.
apt_install() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        log "missing Debian packages (${missing[*]}) and not root: install them first"
        exit 1
    fi
    if [ "$apt_updated" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Waits until something accepts TCP connections on 127.0.0.1:$1 (at most $2 seconds, default 60).
wait_for_port() {
    local port=$1 deadline=$((SECONDS + ${2:-60}))
    until python3 -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('127.0.0.1',$port)))" 2>/dev/null; do
        [ $SECONDS -ge $deadline ] && { log "nothing listens on port $port"; return 1; }
        sleep 0.3
    done
}

# Runs a command as an unprivileged user when we are root (database servers refuse to run as root).
if [ "$(id -u)" = 0 ]; then
    id chatblizz-test >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin chatblizz-test
    run_unprivileged() { runuser -u chatblizz-test -- "$@"; }
    give_to_unprivileged() { chown -R chatblizz-test "$@"; }
else
    run_unprivileged() { "$@"; }
    give_to_unprivileged() { :; }
fi

