"""Shared helpers for the ChatBlizz end-to-end scenarios: REST calls and a Socket.IO device that keeps its own
history the way a real client would (upsert by id, catch up with `sync` after every (re)connect)."""
import asyncio
import random

import requests
import socketio


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.http = requests.Session()

    def call(self, method, path, token=None, json=None, expect=(200, 201, 204)):
        headers = {"Authorization": "Bearer " + token} if token else {}
        response = self.http.request(method, self.base + path, json=json, headers=headers, timeout=30)
        if expect and response.status_code not in expect:
            raise AssertionError(f"{method} {path} -> {response.status_code} {response.text[:300]}")
        return response

    def register(self, username):
        body = {"username": username, "email": username + "@example.com", "password": "correct horse battery"}
        data = self.call("POST", "/api/v2/auth/register", json=body).json()
        return data["user"]["id"], data["accessToken"]

    def befriend(self, a, b):
        self.call("POST", "/api/v2/friends/requests", a[1], {"userId": b[0]})
        self.call("POST", f"/api/v2/friends/requests/{a[0]}/accept", b[1])

    def history(self, me, peer_id):
        """The whole conversation, oldest first, by paging the REST API."""
        messages, cursor = [], None
        while True:
            path = f"/api/v2/conversations/{peer_id}/messages?limit=100" + (f"&before={cursor}" if cursor else "")
            page = self.call("GET", path, me[1]).json()
            messages += page["messages"]
            cursor = page.get("nextCursor")
            if not page["hasMore"]:
                break
        messages.reverse()
        return messages


def order_key(message):
    return (message["createdAt"], message["id"])


class Device:
    """One connected device of a user."""

    TRANSPORTS = [["websocket"], ["polling"], ["polling", "websocket"]]

    def __init__(self, name, user, base, rng):
        self.name, self.user, self.base, self.rng = name, user, base, rng
        self.history = {}
        self.cursor = None
        self.sio = None
        self.connected = asyncio.Event()
        self.live_seen = set()
        self.duplicate_live = 0
        self.connections = 0
        self.events = []

    def upsert(self, message):
        known = self.history.get(message["id"])
        if known is None or known["updatedAt"] <= message["updatedAt"]:
            self.history[message["id"]] = message

    async def connect(self, transports=None):
        sio = socketio.AsyncClient(reconnection=False, request_timeout=30)
        self.live_seen = set()

        @sio.on("receive_message")
        async def receive_message(message, *rest):
            if message["id"] in self.live_seen:
                self.duplicate_live += 1
            self.live_seen.add(message["id"])
            self.upsert(message)

        @sio.on("*")
        async def any_event(event, *args):
            self.events.append((event, args[0] if args else None))
            if event in ("message_updated", "message_deleted"):
                self.upsert(args[0])

        await sio.connect(
            self.base,
            auth={"token": self.user[1]},
            transports=transports or self.rng.choice(self.TRANSPORTS),
            wait_timeout=20,
        )
        self.sio = sio
        self.connections += 1
        await self.catch_up()
        self.connected.set()

    async def catch_up(self, give_up_after=120.0):
        """Pulls everything missed since the cursor. If the server dropped the connection meanwhile (a loaded machine
        can miss heartbeats), the device reconnects, which catches up again. A reply that does not come in 15 s is
        asked for again (sync is idempotent), on a new connection if this one is gone, until `give_up_after` seconds."""
        deadline = asyncio.get_event_loop().time() + give_up_after
        while True:
            sio = self.sio
            try:
                reply = await sio.call("sync", {"since": self.cursor} if self.cursor else {}, timeout=15)
            except (socketio.exceptions.BadNamespaceError, socketio.exceptions.DisconnectedError):
                await self.disconnect()
                await self.connect()
                return
            except socketio.exceptions.TimeoutError:
                if asyncio.get_event_loop().time() > deadline:
                    raise AssertionError(f"{self.name}: no sync reply in {give_up_after} s")
                if not sio.connected:
                    await self.disconnect()
                    await self.connect()
                    return
                continue
            assert reply["ok"], reply
            for message in reply["messages"]:
                self.upsert(message)
            self.cursor = reply["cursor"]
            if not reply["hasMore"]:
                return

    async def disconnect(self):
        self.connected.clear()
        if self.sio is not None:
            await self.sio.disconnect()

    def ordered_ids(self):
        return [m["id"] for m in sorted(self.history.values(), key=order_key)]

    async def send(self, to_id, text, client_id, give_up_after=120.0):
        """Sends until acknowledged, retrying with the same clientMessageId across disconnects and rate limits; fails
        (instead of retrying forever) when no acknowledgement came for `give_up_after` seconds."""
        deadline = asyncio.get_event_loop().time() + give_up_after
        attempts = 0
        while True:
            if asyncio.get_event_loop().time() > deadline:
                raise AssertionError(f"{self.name}: {client_id} not acknowledged after {attempts} attempts in {give_up_after} s")
            attempts += 1
            await self.connected.wait()
            sio = self.sio
            try:
                reply = await sio.call("send_message", {"to": to_id, "text": text, "clientMessageId": client_id}, timeout=15)
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError, socketio.exceptions.DisconnectedError):
                await asyncio.sleep(0.05)
                if self.sio is sio and not sio.connected and self.connected.is_set():
                    # The server dropped this connection (no chaos cycle is reconnecting it): reconnect, as a client would.
                    await self.disconnect()
                    await self.connect()
                continue
            if reply.get("ok"):
                self.upsert(reply["message"])
                return reply["message"]
            if reply["error"]["code"] == "rate_limited":
                await asyncio.sleep(0.05 + self.rng.random() * 0.05)
                continue
            raise AssertionError(f"{self.name}: send failed: {reply}")


async def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = asyncio.get_event_loop().time() + timeout
    while not predicate():
        if asyncio.get_event_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def fresh_names(prefix, count, seed=None):
    """Usernames unique to this run, so scenarios can share a server."""
    rng = random.SystemRandom()
    tag = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))
    return [f"{prefix}{index}_{tag}" for index in range(count)]
