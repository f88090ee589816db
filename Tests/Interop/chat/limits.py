"""Realtime limits, against a server started with CHATBLIZZ_SOCKET_RATE_LIMIT=5 and CHATBLIZZ_MAX_SOCKETS_PER_USER=3:
a burst over the per-socket budget gets `rate_limited` error acks (and the socket recovers), and a user's fourth socket is
refused with `connect_error` "Too many connections" until one of the others leaves."""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import sys
import time

import socketio

from chatlib import Api, fresh_names

checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition), detail))


async def connect(base, token):
    refused = []
    sio = socketio.AsyncClient(reconnection=False, request_timeout=30)

    @sio.event
    async def connect_error(data):
        refused.append(data)

    try:
        await sio.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=5)
    except socketio.exceptions.ConnectionError:
        return None, refused
    return sio, refused


def mint(secret_hex, claims):
    """An HS256 token like the server's, for the expired-token check (the server runs with a known test secret)."""
    def encode(value):
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()
    header = encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "cb1"}).encode())
    body = encode(json.dumps(claims).encode())
    signature = hmac.new(bytes.fromhex(secret_hex), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{encode(signature)}"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("--secret-hex", required=True)
    args = parser.parse_args()
    api = Api(args.base_url)
    alice, bob = (api.register(name) for name in fresh_names("lim", 2))
    api.befriend(alice, bob)

    sio, _ = await connect(args.base_url, alice[1])
    replies = await asyncio.gather(*(sio.call("typing", {"to": bob[0], "isTyping": True}, timeout=10) for _ in range(30)))
    limited = [r for r in replies if not r.get("ok") and r["error"]["code"] == "rate_limited"]
    check("rate limit: a burst over the budget gets rate_limited acks", 0 < len(limited) < 30, f"{len(limited)} of 30 limited")
    await asyncio.sleep(1.5)
    again = await sio.call("typing", {"to": bob[0], "isTyping": False}, timeout=10)
    check("rate limit: the budget refills", again.get("ok"), again)

    others = [await connect(args.base_url, alice[1]) for _ in range(2)]
    check("sockets: up to the limit are accepted", all(s for s, _ in others))
    fourth, refused = await connect(args.base_url, alice[1])
    check("sockets: one more is refused with 'Too many connections'",
          fourth is None and refused and refused[0].get("message") == "Too many connections", refused)
    await others[0][0].disconnect()
    await asyncio.sleep(0.5)
    replacement, _ = await connect(args.base_url, alice[1])
    check("sockets: a freed slot can be used again", replacement is not None)
    now = int(time.time())
    base_claims = {"sub": alice[0], "iss": "chatblizz", "aud": "chatblizz", "jti": "t"}
    fresh = mint(args.secret_hex, dict(base_claims, iat=now, exp=now + 600))
    expired = mint(args.secret_hex, dict(base_claims, iat=now - 7200, exp=now - 3600))
    await replacement.disconnect()
    control, _ = await connect(args.base_url, fresh)
    check("auth: a token minted with the server's secret connects (control)", control is not None)
    if control:
        await control.disconnect()
    rejected, refused = await connect(args.base_url, expired)
    check("auth: an expired token is refused with connect_error 'Authentication error'",
          rejected is None and refused and refused[0].get("message") == "Authentication error", refused)
    replacement = None
    for client in [sio, others[1][0], replacement]:
        if client:
            await client.disconnect()
    failed = [c for c in checks if not c[1]]
    for name, ok, detail in checks:
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {str(detail)[:300]}"))
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


asyncio.run(main())
