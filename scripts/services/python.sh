# Python clients for interop tests (python-socketio is the third-party Socket.IO client; cryptography signs the
# Firebase-style tokens of the v1 walk-through). Exports CHATBLIZZ_PYTHON.
start_python() {
    local venv="$root/.venv-test"
    python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
    if ! "$venv/bin/python" -c 'import socketio, aiohttp, websocket, requests, cryptography' 2>/dev/null; then
        log "creating $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "python-socketio[asyncio_client]==5.*" aiohttp websocket-client requests cryptography
    fi
    export CHATBLIZZ_PYTHON="$venv/bin/python"
}
