"""A minimal python-socketio relay for `chatblizz-bench chat --target relay`.

Clients connect with `auth: {"userId": …}` and join the room of that user. `send_message {to, text, clientMessageId}`
is acknowledged with `{"ok": true, "message": {…}}` and emitted as `receive_message` to every socket of `to` and to the
sender's other sockets (the same fan-out as ChatBlizz). Nothing is stored.

    python relay.py --port 8100
"""
import argparse
import itertools

import socketio
from aiohttp import web

sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins=[], max_http_buffer_size=1_000_000)
app = web.Application()
sio.attach(app)
users = {}  # sid -> user id
ids = itertools.count(1)


@sio.event
async def connect(sid, environ, auth):
    user = auth.get("userId") if isinstance(auth, dict) else None
    if not isinstance(user, str) or not user:
        raise socketio.exceptions.ConnectionRefusedError("Authentication error")
    users[sid] = user
    await sio.enter_room(sid, "user:" + user)


@sio.event
async def disconnect(sid, *rest):
    users.pop(sid, None)


@sio.on("send_message")
async def send_message(sid, payload):
    sender = users.get(sid)
    if sender is None:
        return {"ok": False, "error": {"code": "unauthenticated", "message": "no session"}}
    if not isinstance(payload, dict) or not isinstance(payload.get("to"), str) or not isinstance(payload.get("text"), str):
        return {"ok": False, "error": {"code": "invalid_request", "message": "to and text are required"}}
    message = {
        "id": str(next(ids)),
        "senderId": sender,
        "recipientId": payload["to"],
        "text": payload["text"],
        "clientMessageId": payload.get("clientMessageId"),
    }
    await sio.emit("receive_message", message, room="user:" + payload["to"])
    await sio.emit("receive_message", message, room="user:" + sender, skip_sid=sid)
    return {"ok": True, "message": message}


async def health(request):
    return web.json_response({"status": "ok"})


app.router.add_get("/health", health)

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    arguments = parser.parse_args()
    web.run_app(app, host=arguments.host, port=arguments.port, print=lambda *_: None)
