#!/usr/bin/env python3
"""python-socketio interop client for the ChatBlizz Socket.IO library.

usage: client.py SCENARIO URL TRANSPORTS
  SCENARIO   basic | auth-rejected | binary | server-ack | namespace | rooms-member | rooms-sender | hang
  URL        http://127.0.0.1:PORT
  TRANSPORTS comma separated: websocket | polling | polling,websocket

Prints progress lines and exits 0 on success, 1 on failure (with the reason on stderr).
Scenarios talk to the server defined in Tests/HummingbirdSocketIOTests/InteropServer.swift.
"""
import asyncio
import os
import sys

import socketio


def fail(message):
    print("FAIL: " + message, file=sys.stderr, flush=True)
    sys.exit(1)


async def connect(url, transports, auth=None, namespaces=None, handlers=None):
    sio = socketio.AsyncClient(reconnection=False, request_timeout=30)
    for event, handler in (handlers or {}).items():
        sio.on(event, handler, namespace=handler_namespace(event, namespaces))
    await sio.connect(url, auth=auth, transports=transports, namespaces=namespaces or ["/"], wait_timeout=20)
    return sio


def handler_namespace(event, namespaces):
    return (namespaces or ["/"])[0]


async def basic(url, transports):
    welcome = asyncio.get_running_loop().create_future()

    async def on_welcome(data, blob):
        if not welcome.done():
            welcome.set_result((data, blob))

    sio = await connect(url, transports, auth={"token": "secret"}, handlers={"welcome": on_welcome})
    data, blob = await asyncio.wait_for(welcome, 30)
    if blob != b"\x01\x02\x03":
        fail("welcome binary was %r" % (blob,))
    if data.get("id") != sio.get_sid():
        fail("welcome id %r != sid %r" % (data.get("id"), sio.get_sid()))
    result = await sio.call("hello", "world", timeout=20)
    if result != {"ok": True, "echo": "world"}:
        fail("hello ack was %r" % (result,))
    print("transport", sio.transport(), flush=True)
    expected = transports[-1]
    if sio.transport() != expected:
        fail("transport %s, expected %s" % (sio.transport(), expected))
    await sio.disconnect()
    print("OK", flush=True)


async def auth_rejected(url, transports):
    sio = socketio.AsyncClient(reconnection=False, request_timeout=30)
    errors = []

    @sio.event
    async def connect_error(data):
        errors.append(data)

    try:
        await sio.connect(url, auth={"token": "wrong"}, transports=transports, wait_timeout=20)
    except socketio.exceptions.ConnectionError as error:
        print("refused:", error, flush=True)
    else:
        fail("connection with a bad token was accepted")
    await asyncio.sleep(0.2)
    if not errors or errors[0].get("message") != "not authorized" or errors[0].get("data") != {"reason": "bad token"}:
        fail("connect_error payload was %r" % (errors,))
    print("OK", flush=True)


async def binary(url, transports):
    sio = await connect(url, transports, auth={"token": "secret"})
    payload = {"name": "file", "parts": [b"\x00\x01", {"inner": b"\xff" * 1000}]}
    result = await sio.call("echo-binary", (payload, b"tail"), timeout=20)
    if result != (payload, b"tail"):
        fail("binary echo was %r" % (result,))
    await sio.disconnect()
    print("OK", flush=True)


async def server_ack(url, transports):
    answer = asyncio.get_running_loop().create_future()

    async def on_question(text):
        return "answer to " + text

    async def on_answer_was(value):
        if not answer.done():
            answer.set_result(value)

    sio = await connect(url, transports, auth={"token": "secret"}, handlers={"question": on_question, "answer-was": on_answer_was})
    await sio.emit("ask-client", "life")
    value = await asyncio.wait_for(answer, 5)
    if value != "answer to life":
        fail("server saw ack %r" % (value,))
    await sio.disconnect()
    print("OK", flush=True)


async def namespace(url, transports):
    welcome = asyncio.get_running_loop().create_future()

    async def on_admin_welcome(value):
        if not welcome.done():
            welcome.set_result(value)

    sio = await connect(url, transports, auth={"token": "secret"}, namespaces=["/admin"], handlers={"admin-welcome": on_admin_welcome})
    value = await asyncio.wait_for(welcome, 5)
    if value != {"namespace": "/admin"}:
        fail("admin welcome %r" % (value,))
    result = await sio.call("whoami", namespace="/admin", timeout=20)
    if result != "/admin":
        fail("whoami %r" % (result,))
    await sio.disconnect()
    # An unknown namespace is refused with "Invalid namespace".
    other = socketio.AsyncClient(reconnection=False, request_timeout=30)
    errors = []

    @other.on("connect_error", namespace="/nope")
    async def on_error(data):
        errors.append(data)

    try:
        await other.connect(url, transports=transports, namespaces=["/nope"], wait_timeout=20)
        fail("unknown namespace accepted")
    except socketio.exceptions.ConnectionError:
        pass
    await asyncio.sleep(0.2)
    if not errors or errors[0].get("message") != "Invalid namespace":
        fail("unknown namespace error %r" % (errors,))
    print("OK", flush=True)


async def rooms_member(url, transports):
    """Joins ROOM (env), reports ready, prints every room/broadcast message, exits after EXPECT messages."""
    room = os.environ.get("ROOM", "r1")
    expect = int(os.environ.get("EXPECT", "1"))
    received = []
    done = asyncio.get_running_loop().create_future()

    async def record(kind, value):
        received.append(value)
        print("got", kind, value, flush=True)
        if len(received) >= expect and not done.done():
            done.set_result(True)

    async def on_room(value):
        await record("room-message", value)

    async def on_broadcast(value):
        await record("broadcast-message", value)

    sio = await connect(url, transports, auth={"token": "secret"}, handlers={"room-message": on_room, "broadcast-message": on_broadcast})
    await sio.call("join", room, timeout=20)
    print("READY", flush=True)
    try:
        await asyncio.wait_for(done, 10)
    except asyncio.TimeoutError:
        fail("timed out with %r" % (received,))
    await asyncio.sleep(0.3)
    await sio.disconnect()
    print("OK", " ".join(sorted(str(value) for value in received)), flush=True)


async def rooms_sender(url, transports):
    received = []

    async def on_any(value):
        received.append(value)

    sio = await connect(url, transports, auth={"token": "secret"}, handlers={"room-message": on_any, "broadcast-message": on_any})
    await sio.call("join", "r1", timeout=20)
    await sio.call("to-room", {"room": "r1", "text": "to-r1"}, timeout=20)
    await sio.call("broadcast", "to-all", timeout=20)
    await asyncio.sleep(0.5)
    if received:
        fail("sender received its own broadcast %r" % (received,))
    await sio.disconnect()
    print("OK", flush=True)


async def hang(url, transports):
    """Connects, reports READY, then waits to be stopped or killed by the test."""
    sio = await connect(url, transports, auth={"token": "secret"})
    await sio.call("join", "hang", timeout=20)
    print("READY", sio.get_sid(), flush=True)
    await asyncio.sleep(60)


SCENARIOS = {
    "basic": basic,
    "auth-rejected": auth_rejected,
    "binary": binary,
    "server-ack": server_ack,
    "namespace": namespace,
    "rooms-member": rooms_member,
    "rooms-sender": rooms_sender,
    "hang": hang,
}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in SCENARIOS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    transports = sys.argv[3].split(",")
    try:
        asyncio.run(asyncio.wait_for(SCENARIOS[sys.argv[1]](sys.argv[2], transports), 60))
    except SystemExit:
        raise
    except BaseException as error:  # noqa: BLE001 - any failure is reported to the Swift test
        # The underlying cause (an aiohttp error behind engine.io's "Unexpected connection error") says what went wrong.
        cause = error.__cause__ or error.__context__
        detail = " (caused by %s: %s)" % (type(cause).__name__, cause) if cause is not None else ""
        fail("%s: %s%s" % (type(error).__name__, error, detail))


if __name__ == "__main__":
    main()
