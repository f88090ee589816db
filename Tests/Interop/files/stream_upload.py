"""Streams a large file to a real chatblizz server and back, never holding it in memory on either side.

alice uploads N MiB (a PNG header, then deterministic pseudo-random bytes) to bob with a chunked, generator-fed
multipart body; bob's python-socketio client must get `receive_message` carrying the file; bob downloads it (following
a redirect to S3 when there is one) and the SHA-256 must match. With --s3-endpoint/--bucket the bucket is created first
and must hold exactly one object at the end. Prints `OK size=<bytes> sha256=<hex>` on success.
"""
import argparse
import hashlib
import http.client
import json
import random
import socket
import sys
import threading
import time
import urllib.parse
import uuid

import requests
import socketio

CHUNK = 64 * 1024


def phase(name):
    """Marks a phase on stderr, so a memory sample can be matched to what the client was doing."""
    print(f"PHASE {time.time():.3f} {name}", file=sys.stderr, flush=True)


def fail(message, detail=""):
    print(f"FAIL {message} {detail}", flush=True)
    sys.exit(1)


def register(base, name):
    response = requests.post(f"{base}/api/v2/auth/register", json={
        "username": name, "email": f"{name}@example.com", "password": "correct horse battery"}, timeout=30)
    if response.status_code != 201:
        fail("register", response.text)
    body = response.json()
    return body["user"]["id"], body["accessToken"]


def file_chunks(size, seed):
    """The file's bytes in chunks, made on the fly: a PNG signature and IHDR, then seeded pseudo-random bytes."""
    head = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]) + b"IHDR" + (1024).to_bytes(4, "big") * 2
    generator = random.Random(seed)
    yield head
    left = size - len(head)
    while left > 0:
        n = min(CHUNK, left)
        yield generator.randbytes(n)
        left -= n


def multipart(size, seed, boundary, name, digest):
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
           "Content-Type: application/octet-stream\r\n\r\n").encode()
    for chunk in file_chunks(size, seed):
        digest.update(chunk)
        yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


def connection(url):
    parts = urllib.parse.urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return cls(parts.hostname, parts.port, timeout=120), parts


def download(url, token):
    """GET with the token, following one redirect without it; returns (status, sha256 hex, bytes, redirected)."""
    redirected = False
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for _ in range(2):
        conn, parts = connection(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        if response.status in (301, 302, 303, 307):
            url = response.getheader("Location")
            response.read()
            headers = {}
            redirected = True
            continue
        digest = hashlib.sha256()
        total = 0
        while True:
            chunk = response.read(CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            total += len(chunk)
        return response.status, digest.hexdigest(), total, redirected
    fail("too many redirects")


def bucket_keys(endpoint, bucket):
    listing = requests.get(f"{endpoint}/{bucket}?list-type=2", timeout=30)
    return listing.text.count("<Key>")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--size-mb", type=float, default=30)
    parser.add_argument("--s3-endpoint")
    parser.add_argument("--bucket")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    size = int(args.size_mb * 1024 * 1024)
    if args.s3_endpoint:
        created = requests.put(f"{args.s3_endpoint}/{args.bucket}", timeout=30)
        if created.status_code not in (200, 409):
            fail("create bucket", created.text)

    suffix = uuid.uuid4().hex[:8]
    alice_id, alice_token = register(base, f"alice{suffix}")
    bob_id, bob_token = register(base, f"bob{suffix}")
    sent = requests.post(f"{base}/api/v2/friends/requests", json={"userId": bob_id},
                         headers={"Authorization": f"Bearer {alice_token}"}, timeout=30)
    accepted = requests.post(f"{base}/api/v2/friends/requests/{alice_id}/accept",
                             headers={"Authorization": f"Bearer {bob_token}"}, timeout=30)
    if sent.status_code != 201 or accepted.status_code != 200:
        fail("befriend", sent.text + accepted.text)

    received = []
    arrived = threading.Event()
    bob = socketio.Client(reconnection=False)

    @bob.on("receive_message")
    def on_message(data, *_):
        received.append(data)
        arrived.set()

    bob.connect(base, auth={"token": bob_token}, transports=["websocket"], wait_timeout=10)

    # A refused upload stores nothing, on either store: an executable named .png, then a body cut before its end.
    for body, expected_status in ((b"\x7fELF\x02\x01\x01\x00" + bytes(5000), 415), (None, 400)):
        bad_boundary = f"bad{uuid.uuid4().hex}"
        payload = (f"--{bad_boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"cat.png\"\r\n"
                   "Content-Type: image/png\r\n\r\n").encode()
        payload += body + f"\r\n--{bad_boundary}--\r\n".encode() if body else b"\x89PNG\r\n\x1a\n" + bytes(20000)
        refused = requests.post(f"{base}/api/v2/conversations/{bob_id}/files", data=payload, timeout=60, headers={
            "Authorization": f"Bearer {alice_token}", "Content-Type": f"multipart/form-data; boundary={bad_boundary}"})
        if refused.status_code != expected_status or "error" not in refused.json():
            fail("refused upload", f"{refused.status_code} {refused.text[:300]}")
    # A client that goes away mid-upload, after one whole file: nothing of the request may stay.
    gone_boundary = f"gone{uuid.uuid4().hex}"
    whole = (f"--{gone_boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"first.png\"\r\n\r\n").encode()
    whole += b"\x89PNG\r\n\x1a\n" + bytes(300_000) + f"\r\n--{gone_boundary}\r\n".encode()
    whole += b'Content-Disposition: form-data; name="files"; filename="second.png"\r\n\r\n\x89PNG\r\n\x1a\n' + bytes(100_000)
    parts = urllib.parse.urlsplit(base)
    raw = socket.create_connection((parts.hostname, parts.port), timeout=30)
    raw.sendall((f"POST /api/v2/conversations/{bob_id}/files HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                 f"Authorization: Bearer {alice_token}\r\nContent-Type: multipart/form-data; boundary={gone_boundary}\r\n"
                 f"Content-Length: {len(whole) + 1_000_000}\r\n\r\n").encode() + whole)
    time.sleep(1)
    raw.close()
    time.sleep(2)
    if args.s3_endpoint and bucket_keys(args.s3_endpoint, args.bucket) != 0:
        fail("a refused or abandoned upload left an object in the bucket")

    boundary = f"stream{uuid.uuid4().hex}"
    digest = hashlib.sha256()
    conn, _ = connection(base)
    started = time.monotonic()
    conn.request("POST", f"/api/v2/conversations/{bob_id}/files", body=multipart(size, 7, boundary, "big picture.png", digest),
                 headers={"Authorization": f"Bearer {alice_token}", "Transfer-Encoding": "chunked",
                          "Content-Type": f"multipart/form-data; boundary={boundary}"}, encode_chunked=True)
    response = conn.getresponse()
    text = response.read().decode()
    elapsed = time.monotonic() - started
    if response.status != 201:
        fail("upload", f"{response.status} {text[:500]}")
    expected = digest.hexdigest()
    message = json.loads(text)["messages"][0]
    file = message["file"]
    if file["size"] != size or file["sha256"] != expected or file["contentType"] != "image/png" or file["name"] != "big picture.png":
        fail("uploaded file", json.dumps(file))
    if file.get("width") != 1024 or file.get("height") != 1024:
        fail("image dimensions", json.dumps(file))

    phase("uploaded")
    if not arrived.wait(15):
        fail("receive_message never came")
    live = received[0]
    live_file = live.get("file") or {}
    if (live.get("id") != message["id"] or live_file.get("id") != file["id"] or live_file.get("sha256") != expected
            or live.get("message_type") != "file" or live.get("fileName") != "big picture.png" or live.get("fileId") != file["id"]
            or not str(live.get("fileUrl", "")).startswith(f"/api/v1/files/{file['id']}?expires=")
            or live_file.get("url") != f"/api/v2/files/{file['id']}"):
        fail("receive_message payload", json.dumps(live)[:800])
    phase("received")
    bob.disconnect()
    phase("disconnected")

    status, downloaded, total, redirected = download(f"{base}/api/v2/files/{file['id']}", bob_token)
    phase("downloaded")
    if status != 200 or downloaded != expected or total != size:
        fail("download", f"{status} {total} {downloaded}")
    if bool(args.s3_endpoint) != redirected:
        fail("redirect", f"expected a redirect: {bool(args.s3_endpoint)}, got one: {redirected}")
    # The v1 payload's signed link downloads the same bytes with no token at all.
    status, downloaded, total, redirected = download(f"{base}{live['fileUrl']}", None)
    phase("downloaded by link")
    if status != 200 or downloaded != expected or total != size or bool(args.s3_endpoint) != redirected:
        fail("download by signed link", f"{status} {total} {downloaded} {redirected}")
    if args.s3_endpoint:
        keys = bucket_keys(args.s3_endpoint, args.bucket)
        if keys != 1:
            fail("bucket", f"{keys} objects")
    print(f"OK size={size} sha256={expected} upload_seconds={elapsed:.2f}", flush=True)


if __name__ == "__main__":
    main()
