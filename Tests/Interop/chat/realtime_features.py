"""Presence, typing, receipts, offline catch-up through sync, connection-state recovery (raw WebSocket, since
python-socketio does not implement it), connection errors and per-event validation, against a running server."""
import argparse
import asyncio
import json
import random
import sys

import socketio
import websocket

from chatlib import Api, Device, fresh_names, wait_for

checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition), detail))


def events_named(device, name):
    return [payload for event, payload in device.events if event == name]


async def presence_typing_receipts(api, base, rng):
    alice, bob = (api.register(n) for n in fresh_names("pf", 2, rng.random()))
    api.befriend(alice, bob)
    a, b = Device("a", alice, base, rng), Device("b", bob, base, rng)
    await a.connect(["websocket"])
    await b.connect(["websocket"])
    await wait_for(lambda: any(p["userId"] == bob[0] and p["online"] for p in events_named(a, "presence")), what="bob online")
    check("presence: friend sees online", True)
    await a.sio.call("typing", {"to": bob[0], "isTyping": True}, timeout=5)
    await wait_for(lambda: any(p["userId"] == alice[0] and p["isTyping"] for p in events_named(b, "typing")), what="typing")
    check("typing: relayed to the friend", True)
    sent = await a.send(bob[0], "read me", "r1")
    await wait_for(lambda: sent["id"] in b.history, what="delivery")
    delivered = await b.sio.call("mark_delivered", {"peer": alice[0], "upTo": sent["id"]}, timeout=5)
    check("receipts: mark_delivered acked", delivered.get("ok") and delivered.get("updated") == 1, delivered)
    await wait_for(lambda: any(p["upTo"] == sent["id"] for p in events_named(a, "message_delivered")), what="delivered receipt")
    read = await b.sio.call("mark_read", {"conversationId": sent["conversationId"], "upTo": sent["id"]}, timeout=5)
    check("receipts: mark_read acked", read.get("ok") and read.get("updated") == 1, read)
    await wait_for(lambda: any(p["upTo"] == sent["id"] and p["userId"] == bob[0] for p in events_named(a, "message_read")), what="read receipt")
    stored = [m for m in api.history(alice, bob[0]) if m["id"] == sent["id"]][0]
    check("receipts: REST shows readAt", stored.get("readAt") is not None and stored.get("deliveredAt") is not None, stored)
    await b.disconnect()
    await wait_for(lambda: any(p["userId"] == bob[0] and not p["online"] and p["lastSeen"] for p in events_named(a, "presence")),
                   what="bob offline with lastSeen")
    check("presence: offline with lastSeen after the last socket leaves", True)

    # Offline delivery: bob is away while alice sends; his next connect catches up through sync.
    away = [await a.send(bob[0], f"while away {i}", f"away-{i}") for i in range(20)]
    await b.connect(["polling", "websocket"])
    check("offline: sync delivers every missed message", all(m["id"] in b.history for m in away),
          f"{sum(m['id'] in b.history for m in away)}/20")
    # A burst of marks, as a client sends them when it catches up: the server handles the ones queued together as one
    # mark up to the furthest. Every mark is answered, each message is counted once, and a bad mark fails alone.
    burst = [b.sio.call("mark_delivered", {"peer": alice[0], "upTo": m["id"]}, timeout=10) for m in away]
    burst.insert(7, b.sio.call("mark_delivered", {"peer": alice[0], "upTo": "no-such-message"}, timeout=10))
    replies = await asyncio.gather(*burst)
    bad = replies.pop(7)
    check("receipts burst: every mark answered", all(r.get("ok") for r in replies), replies)
    check("receipts burst: each message counted once", sum(r["updated"] for r in replies) == 20, [r["updated"] for r in replies])
    check("receipts burst: a bad mark fails alone", not bad.get("ok") and bad["error"]["code"] == "not_found", bad)
    await wait_for(lambda: any(p["upTo"] == away[-1]["id"] for p in events_named(a, "message_delivered")), what="burst receipt")
    delivered_marks = [m for m in api.history(alice, bob[0]) if m["id"] in {x["id"] for x in away}]
    check("receipts burst: every message delivered", len(delivered_marks) == 20 and all(m.get("deliveredAt") for m in delivered_marks),
          [m.get("deliveredAt") for m in delivered_marks])
    # Edits and deletes reach the other side.
    edited = await a.sio.call("edit_message", {"id": away[0]["id"], "text": "edited"}, timeout=5)
    deleted = await a.sio.call("delete_message", {"id": away[1]["id"]}, timeout=5)
    check("edit/delete acked", edited.get("ok") and deleted.get("ok"), (edited, deleted))
    await wait_for(lambda: b.history[away[0]["id"]]["text"] == "edited" and b.history[away[1]["id"]]["deleted"], what="edit+delete")
    not_mine = await b.sio.call("edit_message", {"id": away[2]["id"], "text": "hijack"}, timeout=5)
    check("edit: only the sender", not not_mine.get("ok") and not_mine["error"]["code"] == "forbidden", not_mine)
    await a.disconnect()
    await b.disconnect()
    return alice, bob


async def validation_and_limits(api, base, rng, alice, bob):
    stranger = api.register(fresh_names("st", 1, rng.random())[0])
    s = Device("s", stranger, base, rng)
    await s.connect(["websocket"])
    a = Device("a", alice, base, rng)
    await a.connect(["websocket"])
    cases = {
        "not a friend": ("send_message", {"to": alice[0], "text": "hi"}, "forbidden", s),
        "payload not an object": ("send_message", "hello", "invalid_request", a),
        "missing text": ("send_message", {"to": bob[0]}, "invalid_request", a),
        "text too long": ("send_message", {"to": bob[0], "text": "x" * (16 * 1024 + 1)}, "payload_too_large", a),
        "empty text": ("send_message", {"to": bob[0], "text": "  "}, "validation_failed", a),
        "unknown message": ("delete_message", {"id": "nope"}, "not_found", a),
        "bad sync cursor": ("sync", {"since": "garbage"}, "invalid_request", a),
        "typing to stranger": ("typing", {"to": stranger[0]}, "forbidden", a),
    }
    for name, (event, payload, code, device) in cases.items():
        reply = await device.sio.call(event, payload, timeout=5)
        check(f"validation: {name}", not reply.get("ok") and reply["error"]["code"] == code, reply)
    await s.disconnect()
    await a.disconnect()

    refused = []
    bad = socketio.AsyncClient(reconnection=False, request_timeout=30)

    @bad.event
    async def connect_error(data):
        refused.append(data)

    try:
        await bad.connect(base, auth={"token": "forged.token.value"}, transports=["websocket"], wait_timeout=5)
    except socketio.exceptions.ConnectionError:
        pass
    check("auth: bad token gives connect_error 'Authentication error'", refused and refused[0].get("message") == "Authentication error", refused)
    refused.clear()
    try:
        await bad.connect(base, transports=["polling"], wait_timeout=5)
    except socketio.exceptions.ConnectionError:
        pass
    check("auth: no token gives connect_error", refused and refused[0].get("message") == "Authentication error", refused)


def recovery(api, base, rng):
    """A WebSocket that drops and comes back with its pid and offset gets the events it missed, under the same sid."""
    alice, bob = (api.register(n) for n in fresh_names("cr", 2, rng.random()))
    api.befriend(alice, bob)
    ws_url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"

    def open_socket(auth):
        ws = websocket.create_connection(ws_url, timeout=5)
        opened = ws.recv()
        assert opened.startswith("0{"), opened
        ws.send("40" + json.dumps(auth))
        return ws

    def read_until(ws, predicate, limit=50):
        frames = []
        for _ in range(limit):
            frame = ws.recv()
            if frame == "2":
                ws.send("3")
                continue
            frames.append(frame)
            if predicate(frame):
                return frames
        raise AssertionError(f"not found in {frames}")

    ws = open_socket({"token": bob[1]})
    connect = read_until(ws, lambda f: f.startswith("40{"))[-1]
    session = json.loads(connect[2:])
    api.call("POST", f"/api/v2/conversations/{bob[0]}/messages", alice[1], {"text": "before the drop", "clientMessageId": "c0"})
    frames = read_until(ws, lambda f: f.startswith('42["receive_message"'))
    offset = json.loads(frames[-1][2:])[-1]
    check("recovery: events carry an offset", isinstance(offset, str) and "pid" in session, (session, frames[-1][:120]))
    if "pid" not in session:
        ws.close()
        return
    ws.sock.shutdown(2)  # drop the TCP connection without a close frame
    ws.sock.close()
    missed = [api.call("POST", f"/api/v2/conversations/{bob[0]}/messages", alice[1], {"text": f"missed {i}", "clientMessageId": f"m{i}"}).json()["message"]["id"]
              for i in range(3)]
    ws = open_socket({"token": bob[1], "pid": session["pid"], "offset": offset})
    frames = read_until(ws, lambda f: f.startswith("40{"))
    replayed = [json.loads(f[2:])[1]["id"] for f in frames if f.startswith('42["receive_message"')]
    reconnect = json.loads(frames[-1][2:])
    check("recovery: same sid after a quick reconnect", reconnect.get("sid") == session["sid"], (reconnect, session))
    check("recovery: missed messages replayed in order", replayed == missed, (replayed, missed))
    ws.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    api = Api(args.base_url)
    alice, bob = await presence_typing_receipts(api, args.base_url, rng)
    await validation_and_limits(api, args.base_url, rng, alice, bob)
    await asyncio.get_event_loop().run_in_executor(None, recovery, api, args.base_url, rng)
    failed = [c for c in checks if not c[1]]
    for name, ok, detail in checks:
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {str(detail)[:300]}"))
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


asyncio.run(main())
