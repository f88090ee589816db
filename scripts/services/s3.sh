# S3: moto's S3-compatible server (PyPI moto[server]) on a free loopback port, installed into the venv that the python
# service created (services start in alphabetical order, so it exists). Exports CHATBLIZZ_TEST_S3_ENDPOINT.
#
# moto ignores presigned URLs' X-Amz-Date/X-Amz-Expires (its auth mode reads only the Authorization header), so moto's
# WSGI app is served behind a small wrapper that refuses expired presigned requests the way S3 does (403 AccessDenied),
# and answers 503 SlowDown once per request on keys containing "slowdown-once", so the tests can see retries work.
start_s3() {
    local venv="$root/.venv-test" port pid
    if [ ! -x "$venv/bin/python" ]; then
        log "creating $venv"
        python3 -m venv "$venv"
    fi
    if ! "$venv/bin/python" -c 'import moto.server, werkzeug' 2>/dev/null; then
        log "installing moto[server] into $venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]"
    fi
    port=$(free_port)
    cat >"$state/s3_server.py" <<'PY'
import datetime
import sys
from urllib.parse import parse_qs

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

moto = DomainDispatcherApplication(create_backend_app)
EXPIRED = b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'


SLOW_DOWN = b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'
slowed = set()


def app(environ, start_response):
    # Retry hook for the tests: the first try of each request on a key containing "slowdown-once" gets 503 SlowDown.
    request = (environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
    if "slowdown-once" in request[1] and request not in slowed:
        slowed.add(request)
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("503 Slow Down", [("Content-Type", "application/xml"), ("Content-Length", str(len(SLOW_DOWN)))])
        return [SLOW_DOWN]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "X-Amz-Date" in query and "X-Amz-Expires" in query:
        signed = datetime.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        if datetime.datetime.now(datetime.timezone.utc) > signed + datetime.timedelta(seconds=int(query["X-Amz-Expires"][0])):
            start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(EXPIRED)))])
            return [EXPIRED]
    return moto(environ, start_response)


run_simple(sys.argv[1], int(sys.argv[2]), app, threaded=True, request_handler=MotoRequestHandler)
PY
    # moto accepts any credentials; the tests sign with "testing".
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
        "$venv/bin/python" "$state/s3_server.py" 127.0.0.1 "$port" >"$state/moto.log" 2>&1 &
    pid=$!
    cleanup_hooks+=("kill $pid")
    wait_for_port "$port" 60 || { cat "$state/moto.log" >&2; return 1; }
    export CHATBLIZZ_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
    log "moto S3 on 127.0.0.1:$port"
}
