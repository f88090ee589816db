"""The original ChatBlizz web app's flows, driven with python-socketio and plain HTTP only, signed in with Firebase ID
tokens: sign-up, typeahead and full search, a friend request sent and accepted, text messages over the original REST
route delivered live over Socket.IO, unread badges, history scrolled in the original 15-message pages, files sent with
the original multipart upload and downloaded by the recipient, and the holes the original had (other users' ids, bad
tokens) closed.

Self-contained: it generates an RSA key and a self-signed certificate, serves them as Google's x509 certificate
endpoint does, and starts `chatblizz serve` with FIREBASE_PROJECT_ID and FIREBASE_CERTS_URL pointing at it.
"""
import argparse
import asyncio
import base64
import datetime
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests
import socketio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

PROJECT = "chatblizz-walkthrough"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition), detail))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FirebaseSigner:
    """Stands in for Firebase Auth: one RSA key, its certificate served at /certs, RS256 ID tokens."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = hashlib.sha1(os.urandom(16)).hexdigest()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "securetoken.system.gserviceaccount.com")])
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2)).sign(self.key, hashes.SHA256())
        )
        self.certificates = json.dumps({self.kid: certificate.public_bytes(serialization.Encoding.PEM).decode()}).encode()

    def token(self, uid, email, lifetime=3600):
        now = int(time.time())
        header = {"alg": "RS256", "kid": self.kid, "typ": "JWT"}
        claims = {
            "iss": f"https://securetoken.google.com/{PROJECT}", "aud": PROJECT, "auth_time": now - 5, "user_id": uid,
            "sub": uid, "iat": now - 5, "exp": now + lifetime, "email": email, "email_verified": True,
            "firebase": {"identities": {"email": [email]}, "sign_in_provider": "password"},
        }
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(signature)

    def serve(self):
        certificates = self.certificates

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=3600")
                self.send_header("Content-Length", str(len(certificates)))
                self.end_headers()
                self.wfile.write(certificates)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}/certs"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(binary, data_dir, certs_url):
    port = free_port()
    # A 3 s presence TTL makes the heartbeat (and with it the expired-token sweep) run every second.
    env = dict(os.environ, FIREBASE_PROJECT_ID=PROJECT, FIREBASE_CERTS_URL=certs_url, CHATBLIZZ_LOG_LEVEL="warning",
               CHATBLIZZ_PRESENCE_TTL_MS="3000")
    log = open(os.path.join(data_dir, "server.log"), "wb")
    process = subprocess.Popen([binary, "serve", "--port", str(port), "--host", "127.0.0.1", "--data-dir", data_dir],
                               env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(base + "/health", timeout=2).status_code == 200:
                return process, base
        except requests.RequestException:
            pass
        if process.poll() is not None:
            raise RuntimeError("chatblizz serve exited: " + open(os.path.join(data_dir, "server.log")).read()[-2000:])
        time.sleep(0.2)
    raise RuntimeError("chatblizz serve did not become healthy")


class Person:
    """One user of the original web app: a Firebase account, the axios instance and the socket."""

    def __init__(self, base, signer, name):
        self.base, self.name = base, name
        self.uid = hashlib.sha1(os.urandom(16)).hexdigest()[:28]
        self.email = f"{name}@example.com"
        self.token = signer.token(self.uid, self.email)
        self.http = requests.Session()
        self.http.headers["Authorization"] = "Bearer " + self.token
        self.received = {"receive_message": [], "receive_notification": []}
        self.sio = None

    def get(self, path, **params):
        return self.http.get(self.base + "/api/v1/users/" + path, params=params, timeout=30)

    def post(self, path, body=None, **kwargs):
        return self.http.post(self.base + "/api/v1/users/" + path, json=body, timeout=60, **kwargs)

    async def connect(self):
        sio = socketio.AsyncClient(reconnection=False, request_timeout=30)
        for event in self.received:
            def handler(name):
                async def on_event(payload, *rest):
                    self.received[name].append(payload)
                return on_event
            sio.on(event, handler(event))
        # useAuthStore.connectSocket: io(url, {auth: {token}}), then emit("register", userId).
        await sio.connect(self.base, auth={"token": self.token}, transports=["polling", "websocket"], wait_timeout=20)
        await sio.emit("register", self.uid)
        self.sio = sio


async def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def png(width, height, size):
    """A PNG signature and IHDR chunk, padded to `size` bytes: enough for magic-byte detection and dimensions."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 6, 0, 0, 0])
    head = b"\x89PNG\r\n\x1a\n" + len(ihdr).to_bytes(4, "big") + b"IHDR" + ihdr + b"\0\0\0\0"
    return head + os.urandom(max(0, size - len(head)))


async def walk(base, signer):
    alice, bob, carol = (Person(base, signer, name) for name in ("alice" + os.urandom(3).hex(), "bob" + os.urandom(3).hex(), "carol" + os.urandom(3).hex()))

    # Sign-up (LoginSignUpPage): Firebase account, then POST /register with the uid.
    for person in (alice, bob, carol):
        reply = person.post("register", {"username": person.name, "email": person.email, "fireBaseID": person.uid})
        check(f"register {person.name[:5]}: 200 with the original body", reply.status_code == 200
              and reply.json() == {"message": "User registered successfully", "userId": 0}, reply.text)
    again = alice.post("register", {"username": alice.name, "email": alice.email, "fireBaseID": alice.uid})
    check("register twice: 400 with a message", again.status_code == 400 and "message" in again.json(), again.text)

    for person in (alice, bob, carol):
        await person.connect()

    # HeaderBar typeahead, then the full search on Enter.
    typeahead = alice.get("fetchRecommendation/" + bob.name[:4]).json()
    check("typeahead finds bob as unknown", [(row["id"], row["status"]) for row in typeahead if row["id"] == bob.uid] == [(bob.uid, "unknown")]
          and all(set(row) == {"id", "username", "email", "status"} for row in typeahead) and len(typeahead) <= 6, typeahead)

    # Add Friend, bell dropdown, Accept.
    sent = alice.post("sendFriendRequest", {"user_id": alice.uid, "friend_id": bob.uid})
    check("sendFriendRequest: 200", sent.status_code == 200 and sent.json() == {"message": "Friend request sent successfully"}, sent.text)
    pending = alice.get("fetchSearchAll/" + bob.name).json()
    check("the requester sees pending", [row["status"] for row in pending if row["id"] == bob.uid] == ["pending"], pending)
    to_accept = bob.get("fetchSearchAll/" + alice.name).json()
    check("the recipient sees ToBeAccepted", [row["status"] for row in to_accept if row["id"] == alice.uid] == ["ToBeAccepted"], to_accept)
    inbox = bob.get("displayFriendRequests/" + bob.uid)
    check("the bell lists the request", inbox.status_code == 200 and [row["user_id"] for row in inbox.json()] == [alice.uid]
          and {"user_id", "status", "created_at", "username", "email"} <= set(inbox.json()[0]), inbox.text)
    accepted = bob.post("acceptFriendRequest", {"user_id": bob.uid, "friend_id": alice.uid})
    check("acceptFriendRequest: 200", accepted.status_code == 200 and accepted.json() == {"message": "Friend request accepted"}, accepted.text)
    empty_inbox = bob.get("displayFriendRequests/" + bob.uid)
    check("the bell is empty afterwards", empty_inbox.status_code in (200, 201) and (empty_inbox.json() == [] or empty_inbox.json() == {"message": "No Pending Requests"}), empty_inbox.text)
    friends = alice.get("getAllUsers/" + alice.uid)
    check("the sidebar lists the new friend", friends.status_code == 200 and [row["id"] for row in friends.json()] == [bob.uid], friends.text)
    lonely = carol.get("getAllUsers/" + carol.uid)
    check("no friends: 201 []", lonely.status_code == 201 and lonely.json() == [], lonely.text)

    # Chat: 20 texts through the original REST route, delivered live with the original payloads.
    replies = []
    for index in range(20):
        reply = alice.post("saveMessage", {"sender_id": alice.uid, "receiver_id": bob.uid, "content": f"message {index}"})
        replies.append(reply.json() if reply.status_code == 200 else {"status": reply.status_code, "text": reply.text})
    check("saveMessage: 200 with the payload", all(r.get("message_type") == "text" and r.get("delivered") is False and ISO_MS.match(r.get("created_at", "")) for r in replies), replies[:2])
    ids = [r.get("id") for r in replies]
    await wait_for(lambda: len(bob.received["receive_message"]) >= 20 and len(bob.received["receive_notification"]) >= 20, what="20 live messages")
    live = bob.received["receive_message"]
    check("receive_message: every message once, in order", [m["id"] for m in live] == ids, [m["id"] for m in live][:3])
    check("receive_message: the original fields", all(
        {"id", "sender_id", "receiver_id", "message", "message_type", "fileName", "delivered", "created_at"} <= set(m)
        and m["sender_id"] == alice.uid and m["fileName"] is None and ISO_MS.match(m["created_at"]) for m in live), live[0])
    check("receive_notification: {sender_id, id, message, fileName, created_at}", all(
        {"sender_id", "id", "message", "fileName", "created_at"} <= set(n) for n in bob.received["receive_notification"]), bob.received["receive_notification"][0])

    # Sidebar badge, then the chat opens and scrolls up through 15-message pages.
    unread = bob.get("getUnreadMessages", userId=bob.uid).json()
    check("unread badge: 20 from alice", unread == [{"sender_id": alice.uid, "unread_count": 20}], unread)
    pages, seen, params = 0, [], {"userId1": bob.uid, "userId2": alice.uid}
    while pages < 10:
        page = bob.get("showConversation", **params).json()
        if not page:
            break
        pages += 1
        check(f"page {pages}: at most 15 rows with the original columns", len(page) <= 15 and all(
            {"id", "sender_id", "receiver_id", "message", "message_type", "is_read", "created_at", "delivered", "fileName"} <= set(row)
            and row["delivered"] in (0, 1) and row["is_read"] in (0, 1) for row in page), page[0])
        seen += [row["id"] for row in page]
        oldest = page[-1]
        params = {"userId1": bob.uid, "userId2": alice.uid, "timestamp": oldest["created_at"], "messageId": oldest["id"]}
    check("scrolling returns every message once, newest first", seen == list(reversed(ids)) and pages == 2, (pages, len(seen)))
    unread_after = bob.get("getUnreadMessages", userId=bob.uid).json()
    check("opening the chat clears the badge", unread_after == [], unread_after)

    # Files: the upload panel sends FormData with `files` x N plus sender_id and receiver_id.
    picture, document = png(640, 480, 200_000), b"%PDF-1.4\n" + os.urandom(50_000) + b"\n%%EOF\n"
    upload = alice.post("fileUpload", None, data={"sender_id": alice.uid, "receiver_id": bob.uid},
                        files=[("files", ("holiday.png", picture, "image/png")), ("files", ("notes.pdf", document, "application/pdf"))])
    uploaded = upload.json().get("messages", []) if upload.status_code == 200 else []
    check("fileUpload: 200 {messages: [...]} in the original shape", len(uploaded) == 2 and all(
        {"id", "sender_id", "receiver_id", "message", "fileName", "message_type", "fileId", "fileUrl", "originalname", "created_at", "delivered"} <= set(m)
        and m["message_type"] == "file" and m["message"] == m["fileUrl"] for m in uploaded)
          and [m["fileName"] for m in uploaded] == ["holiday.png", "notes.pdf"], upload.text[:500])
    if uploaded:
        await wait_for(lambda: len(bob.received["receive_message"]) >= 22, what="the file messages live")
        live_files = bob.received["receive_message"][20:]
        check("file messages arrive live with message_type file and fileName", [(m["message_type"], m["fileName"]) for m in live_files]
              == [("file", "holiday.png"), ("file", "notes.pdf")], live_files)
        for message, original in zip(uploaded, (picture, document)):
            url = message["fileUrl"] if message["fileUrl"].startswith("http") else base + message["fileUrl"]
            # `fileUrl` is a signed link: the frontend's plain <a href>/<img src> loads it without a token.
            download = requests.get(url, timeout=60)
            check(f"the link downloads {message['fileName']} byte for byte without a token", download.status_code == 200
                  and hashlib.sha256(download.content).digest() == hashlib.sha256(original).digest(), download.status_code)
            altered = requests.get(url.replace("signature=", "signature=A"), timeout=60)
            check(f"an altered link to {message['fileName']}: 404", altered.status_code == 404, altered.status_code)
            stranger = carol.http.get(f"{base}/api/v2/files/{message['fileId']}", timeout=60)
            check(f"a stranger cannot download {message['fileName']} with their token", stranger.status_code in (403, 404), stranger.status_code)
        newest = bob.get("showConversation", userId1=bob.uid, userId2=alice.uid).json()
        check("history shows the file rows", [(row["message_type"], row["fileName"]) for row in newest[:2]]
              == [("file", "notes.pdf"), ("file", "holiday.png")], newest[:2])
    executable = alice.post("fileUpload", None, data={"sender_id": alice.uid, "receiver_id": bob.uid},
                            files=[("files", ("cat.png", b"\x7fELF\x02\x01\x01" + os.urandom(4000), "image/png"))])
    check("an executable named .png is refused", executable.status_code in (400, 415) and "message" in executable.json(), executable.text)

    # The holes of the original are closed: ids must be the caller's, and tokens are verified.
    spoofed = carol.post("saveMessage", {"sender_id": alice.uid, "receiver_id": bob.uid, "content": "not me"})
    check("sending as someone else: 403", spoofed.status_code == 403, spoofed.text)
    peek = carol.get("showConversation", userId1=alice.uid, userId2=bob.uid)
    check("reading someone else's conversation: 403", peek.status_code == 403, peek.text)
    stranger_chat = carol.post("saveMessage", {"sender_id": carol.uid, "receiver_id": bob.uid, "content": "hi"})
    check("messaging a non-friend: 403", stranger_chat.status_code == 403, stranger_chat.text)
    forged = requests.get(base + "/api/v1/users/getAllUsers/" + alice.uid, headers={"Authorization": "Bearer " + alice.token[:-4] + "AAAA"}, timeout=30)
    check("a forged token: 401 Forbidden: Invalid token", forged.status_code == 401 and forged.json() == {"message": "Forbidden: Invalid token"}, forged.text)
    intruder = socketio.AsyncClient(reconnection=False, request_timeout=30)
    refusals = []

    @intruder.on("connect_error")
    async def connect_error(data):
        refusals.append(data)

    try:
        await intruder.connect(base, auth={"token": "not-a-token"}, transports=["websocket"], wait_timeout=10)
    except socketio.exceptions.ConnectionError:
        pass
    await wait_for(lambda: refusals, timeout=10, what="connect_error")
    check("a socket with a bad token gets connect_error Authentication error",
          refusals and refusals[0].get("message") == "Authentication error", refusals)

    # A token is checked at CONNECT; a socket must not outlive it. This one expires in 6 s.
    short_lived = socketio.AsyncClient(reconnection=False, request_timeout=30)
    expiry = {"session_expired": None, "disconnected_at": None}

    @short_lived.on("session_expired")
    async def session_expired(data, *rest):
        expiry["session_expired"] = data

    @short_lived.on("disconnect")
    async def disconnected(*reason):
        expiry["disconnected_at"] = time.time()

    expires_at = time.time() + 6
    await short_lived.connect(base, auth={"token": signer.token(alice.uid, alice.email, lifetime=6)}, transports=["websocket"], wait_timeout=10)
    try:
        await wait_for(lambda: expiry["disconnected_at"], timeout=20, what="the disconnect of an expired socket")
    except AssertionError:
        pass
    late = expiry["disconnected_at"] - expires_at if expiry["disconnected_at"] else None
    check("a socket whose token expires gets session_expired and is disconnected within the heartbeat",
          expiry["session_expired"] and late is not None and -1 <= late <= 4, (expiry, late))
    check("the other sockets stay connected", alice.sio.connected and bob.sio.connected, (alice.sio.connected, bob.sio.connected))
    for person in (alice, bob, carol):
        await person.sio.disconnect()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-bin", required=True)
    args = parser.parse_args()
    signer = FirebaseSigner()
    certs_url = signer.serve()
    directory = tempfile.mkdtemp(prefix="chatblizz-v1-walk-")
    process = None
    try:
        process, base = start_server(args.server_bin, directory, certs_url)
        await walk(base, signer)
    except Exception as error:  # report, then fail below
        check("walk-through completed", False, repr(error))
    finally:
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        failed_log = any(not ok for _, ok, _ in checks)
        if failed_log and os.path.exists(os.path.join(directory, "server.log")):
            print("server log tail:\n" + open(os.path.join(directory, "server.log"), errors="replace").read()[-3000:])
        shutil.rmtree(directory, ignore_errors=True)
    failed = [c for c in checks if not c[1]]
    for name, ok, detail in checks:
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {str(detail)[:400]}"))
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


asyncio.run(main())
