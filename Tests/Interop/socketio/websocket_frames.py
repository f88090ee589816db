#!/usr/bin/env python3
"""Raw WebSocket frames against the ChatBlizz Socket.IO library, with websocket-client (a third-party client).

usage: websocket_frames.py SCENARIO URL
  SCENARIO  ping | fragments | oversized | oversized-fragments | invalid-utf8 | close | flood-read | flood-stall
            | refused-upgrade | half-close | address
  URL       http://127.0.0.1:PORT

Speaks Engine.IO v4 / Socket.IO v5 by hand so that it can send what python-socketio never does: control frames,
fragmented messages, oversized or malformed frames, and a reader that stops reading. Prints progress lines and exits
0 on success, 1 on failure (with the reason on stderr). The server is Tests/HummingbirdSocketIOTests/InteropServer.swift.
"""
import json
import socket
import struct
import sys
import time

import websocket
from websocket import ABNF


def fail(message):
    print("FAIL: " + message, file=sys.stderr, flush=True)
    sys.exit(1)


def open_socket(url, receive_buffer=None):
    address = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    options = [(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)] if receive_buffer else []
    ws = websocket.create_connection(address, timeout=20, sockopt=options, skip_utf8_validation=True)
    opening = ws.recv()
    if not opening.startswith("0{"):
        fail("first packet was %r" % (opening,))
    return ws


def join_namespace(ws):
    """Sends the Socket.IO CONNECT with the interop server's token and waits for its answer."""
    ws.send('40{"token":"secret"}')
    reply = next_text(ws, lambda text: text.startswith("40") or text.startswith("44"))
    if not reply.startswith("40{"):
        fail("CONNECT answered %r" % (reply,))


def next_text(ws, matches):
    """The next text message that `matches`, skipping others (pings are answered, binary frames skipped)."""
    while True:
        opcode, data = ws.recv_data(control_frame=False)
        if opcode != ABNF.OPCODE_TEXT:
            continue
        text = data.decode("utf-8")
        if text == "2":
            ws.send("3")
            continue
        if matches(text):
            return text


def expect_close(ws, code):
    """Reads until the server's close frame and checks its status code."""
    while True:
        try:
            frame = ws.recv_frame()
        except websocket.WebSocketConnectionClosedException:
            fail("connection closed without a close frame (expected %d)" % code)
        if frame.opcode == ABNF.OPCODE_CLOSE:
            status = struct.unpack("!H", frame.data[:2])[0] if len(frame.data) >= 2 else None
            if status != code:
                fail("close status %r, expected %d" % (status, code))
            return


def ping(url):
    ws = open_socket(url)
    ws.ping("abc")
    while True:
        frame = ws.recv_frame()
        if frame.opcode == ABNF.OPCODE_PONG:
            break
    if frame.data != b"abc":
        fail("pong carried %r" % (frame.data,))
    ws.close()
    print("OK", flush=True)


def fragments(url):
    ws = open_socket(url)
    connect = '40{"token":"secret"}'.encode()
    ws.send_frame(ABNF.create_frame(connect[:5], ABNF.OPCODE_TEXT, fin=0))
    ws.send_frame(ABNF.create_frame(connect[5:12], ABNF.OPCODE_CONT, fin=0))
    ws.send_frame(ABNF.create_frame(connect[12:], ABNF.OPCODE_CONT, fin=1))
    reply = next_text(ws, lambda text: text.startswith("40") or text.startswith("44"))
    if not reply.startswith("40{"):
        fail("fragmented CONNECT answered %r" % (reply,))
    # A ping between the fragments of a message is allowed (RFC 6455 5.4) and answered at once.
    event = '421["hello","fragmented é"]'.encode()
    ws.send_frame(ABNF.create_frame(event[:9], ABNF.OPCODE_TEXT, fin=0))
    ws.ping("mid")
    ws.send_frame(ABNF.create_frame(event[9:], ABNF.OPCODE_CONT, fin=1))
    ack = next_text(ws, lambda text: text.startswith("431"))
    if json.loads(ack[3:]) != [{"ok": True, "echo": "fragmented é"}]:
        fail("ack was %r" % (ack,))
    ws.close()
    print("OK", flush=True)


def oversized(url):
    ws = open_socket(url)
    join_namespace(ws)
    ws.send('42["hello","' + "x" * 20000 + '"]')
    expect_close(ws, 1009)
    print("OK", flush=True)


def oversized_fragments(url):
    ws = open_socket(url)
    join_namespace(ws)
    # Each fragment is small; together they exceed maxPayload.
    ws.send_frame(ABNF.create_frame(b'42["hello","', ABNF.OPCODE_TEXT, fin=0))
    for _ in range(30):
        ws.send_frame(ABNF.create_frame(b"x" * 1000, ABNF.OPCODE_CONT, fin=0))
    ws.send_frame(ABNF.create_frame(b'"]', ABNF.OPCODE_CONT, fin=1))
    expect_close(ws, 1009)
    print("OK", flush=True)


def invalid_utf8(url):
    ws = open_socket(url)
    join_namespace(ws)
    ws.send_frame(ABNF.create_frame(b'42["hello","\xff\xfe"]', ABNF.OPCODE_TEXT))
    expect_close(ws, 1007)
    print("OK", flush=True)


def close(url):
    ws = open_socket(url)
    join_namespace(ws)
    print("READY", flush=True)
    ws.send_close(1000, b"bye")
    expect_close(ws, 1000)
    print("OK", flush=True)


def flood_read(url):
    """Asks for a burst far larger than the socket buffers and reads it slowly: every message arrives, in order."""
    count = 3000
    ws = open_socket(url, receive_buffer=4096)
    join_namespace(ws)
    ws.send('42["flood",{"count":%d,"size":4000}]' % count)
    expected = 0
    while expected < count:
        text = next_text(ws, lambda text: text.startswith('42["flood"'))
        sequence = json.loads(text[2:])[1]
        if sequence != expected:
            fail("message %r arrived when %d was expected" % (sequence, expected))
        expected += 1
        if expected % 500 == 0:
            time.sleep(0.05)
    ws.close()
    print("OK", count, flush=True)


def flood_stall(url):
    """Asks for a burst far larger than the socket buffers and never reads it: the server must drop this client."""
    ws = open_socket(url, receive_buffer=4096)
    join_namespace(ws)
    ws.send('42["flood",{"count":3000,"size":4000}]')
    print("READY", flush=True)
    time.sleep(60)


def half_close(url):
    """Joins, then shuts its sending side without a close frame: the server must close the connection at once."""
    ws = open_socket(url)
    join_namespace(ws)
    ws.sock.shutdown(socket.SHUT_WR)
    ws.sock.settimeout(20)
    while True:
        try:
            data = ws.sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
    print("OK", flush=True)


def address(url):
    """The server sees the peer's address in the handshake."""
    ws = open_socket(url)
    join_namespace(ws)
    ws.send('421["address"]')
    ack = next_text(ws, lambda text: text.startswith("431"))
    if json.loads(ack[3:]) != ["127.0.0.1"]:
        fail("handshake address was %r" % (ack,))
    ws.close()
    print("OK", flush=True)


def refused_upgrade(url):
    address = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket&sid=unknown"
    try:
        websocket.create_connection(address, timeout=20)
    except websocket.WebSocketBadStatusException as error:
        body = (error.resp_body or b"").decode("utf-8", "replace")
        if error.status_code != 400 or "Session ID unknown" not in body:
            fail("refused upgrade answered %d %r" % (error.status_code, body))
        print("OK", flush=True)
        return
    fail("the upgrade of an unknown session was accepted")


SCENARIOS = {
    "ping": ping,
    "fragments": fragments,
    "oversized": oversized,
    "oversized-fragments": oversized_fragments,
    "invalid-utf8": invalid_utf8,
    "close": close,
    "flood-read": flood_read,
    "flood-stall": flood_stall,
    "refused-upgrade": refused_upgrade,
    "half-close": half_close,
    "address": address,
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        SCENARIOS[sys.argv[1]](sys.argv[2])
    except SystemExit:
        raise
    except BaseException as error:  # noqa: BLE001 - any failure is reported to the Swift test
        fail("%s: %s" % (type(error).__name__, error))


if __name__ == "__main__":
    main()
