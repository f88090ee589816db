"""The original app's realtime flow: connect with `auth.token`, emit `register`, receive `receive_message` and
`receive_notification` in the original shapes when a friend sends through the original REST route
(`POST /api/v1/users/saveMessage`); a v2 device of the same user receives the same message."""
import argparse
import asyncio
import re
import sys

import socketio

from chatlib import Api, Device, fresh_names, wait_for

checks = []
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def check(name, condition, detail=""):
    checks.append((name, bool(condition), detail))


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    args = parser.parse_args()
    api = Api(args.base_url)
    alice, bob = (api.register(name) for name in fresh_names("v1s", 2))
    api.befriend(alice, bob)

    received = {"receive_message": [], "receive_notification": []}
    legacy = socketio.AsyncClient(reconnection=False, request_timeout=30)
    for event in received:
        def handler(name):
            async def on_event(payload, *rest):
                received[name].append(payload)
            return on_event
        legacy.on(event, handler(event))
    await legacy.connect(args.base_url, auth={"token": bob[1]}, transports=["polling", "websocket"], wait_timeout=20)
    await legacy.emit("register", bob[0])
    modern = Device("v2", bob, args.base_url, __import__("random").Random(1))
    await modern.connect(["websocket"])

    reply = api.call("POST", "/api/v1/users/saveMessage", alice[1], {"sender_id": alice[0], "receiver_id": bob[0], "content": "hello from v1"}).json()
    check("saveMessage answers the original shape", reply.get("message") == "hello from v1" and reply.get("message_type") == "text"
          and reply.get("delivered") is False and ISO_MS.match(reply.get("created_at", "")), reply)
    await wait_for(lambda: received["receive_message"] and received["receive_notification"], what="v1 events")
    message = received["receive_message"][0]
    check("receive_message carries the original fields",
          all(key in message for key in ["id", "sender_id", "receiver_id", "message", "message_type", "fileName", "delivered", "created_at"])
          and message["sender_id"] == alice[0] and message["receiver_id"] == bob[0] and message["message"] == "hello from v1"
          and message["message_type"] == "text" and message["fileName"] is None and isinstance(message["delivered"], bool)
          and ISO_MS.match(message["created_at"]), message)
    notification = received["receive_notification"][0]
    check("receive_notification carries {sender_id, id, message, fileName, created_at}",
          {"sender_id", "id", "message", "fileName", "created_at"} <= set(notification) and notification["id"] == message["id"], notification)
    await wait_for(lambda: message["id"] in modern.history, what="the v2 device")
    check("a v2 device of the same user sees the same message", modern.history[message["id"]]["text"] == "hello from v1")
    check("the REST id matches the socket id", reply.get("id") == message["id"], (reply.get("id"), message["id"]))
    await legacy.disconnect()
    await modern.disconnect()
    failed = [c for c in checks if not c[1]]
    for name, ok, detail in checks:
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {str(detail)[:300]}"))
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


asyncio.run(main())
