"""Kill -9 the server while four clients send, restart it on the same data, and check that every acknowledged message
is in history, nothing appears twice, and resending the unacknowledged ones with their clientMessageId completes the
history exactly once."""
import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time

import requests
import socketio

from chatlib import Api, fresh_names


def start_server(binary, port, data_dir, env):
    log = open(os.path.join(data_dir, "server.log"), "ab")
    process = subprocess.Popen([binary, "serve", "--port", str(port), "--host", "127.0.0.1", "--data-dir", data_dir],
                               env=env, stdout=log, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            with open(os.path.join(data_dir, "server.log"), "rb") as file:
                tail = file.read()[-4000:].decode(errors="replace")
            raise AssertionError(f"server exited with {process.returncode}:\n{tail}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError("server did not become ready")


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-bin", required=True)
    parser.add_argument("--port", type=int, default=0, help="0: a free port picked here")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--settle", type=float, default=0.0,
                        help="how long the restarted server may take to store what it acknowledged (a Kafka pipeline)")
    args = parser.parse_args()
    if args.port == 0:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    env = dict(os.environ, CHATBLIZZ_BCRYPT_COST="4", CHATBLIZZ_SOCKET_RATE_LIMIT="10000", CHATBLIZZ_LOG_LEVEL="warning")
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(args.server_bin, args.port, args.data_dir, env)
    api = Api(base)
    names = fresh_names("cr", 4, 3)
    users = [api.register(name) for name in names]
    api.befriend(users[0], users[1])
    api.befriend(users[2], users[3])
    peers = {0: 1, 1: 0, 2: 3, 3: 2}
    attempted = {index: [] for index in range(4)}
    acked = {index: set() for index in range(4)}
    stop = asyncio.Event()

    async def client(index):
        sio = socketio.AsyncClient(reconnection=False, request_timeout=30)
        await sio.connect(base, auth={"token": users[index][1]}, transports=["websocket"], wait_timeout=10)
        sequence = 0
        while not stop.is_set():
            client_id = f"{names[index]}-{sequence}"
            attempted[index].append(client_id)
            sequence += 1
            try:
                reply = await sio.call("send_message", {"to": users[peers[index]][0], "text": client_id, "clientMessageId": client_id}, timeout=5)
            except Exception:
                return
            if reply.get("ok"):
                acked[index].add(client_id)

    tasks = [asyncio.create_task(client(index)) for index in range(4)]
    await asyncio.sleep(args.seconds)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)

    server = start_server(args.server_bin, args.port, args.data_dir, env)
    problems = []
    try:
        def stored(index):
            return [m.get("clientMessageId") for m in api.history(users[index], users[peers[index]][0]) if m["senderId"] == users[index][0]]

        deadline = time.monotonic() + args.settle
        while time.monotonic() < deadline and any(acked[index] - set(stored(index)) for index in range(4)):
            time.sleep(0.25)
        total_acked = sum(len(ids) for ids in acked.values())
        in_flight = 0
        for index in range(4):
            ids = stored(index)
            if len(ids) != len(set(ids)):
                problems.append(f"client {index}: duplicates in history")
            lost = acked[index] - set(ids)
            if lost:
                problems.append(f"client {index}: {len(lost)} acknowledged messages lost: {sorted(lost)[:5]}")
            unacked = [cid for cid in attempted[index] if cid not in acked[index]]
            in_flight += len(unacked)
            for client_id in unacked:
                api.call("POST", f"/api/v2/conversations/{users[peers[index]][0]}/messages", users[index][1],
                         {"text": client_id, "clientMessageId": client_id})
            after = stored(index)
            deadline = time.monotonic() + args.settle
            while time.monotonic() < deadline and sorted(after) != sorted(set(attempted[index])):
                time.sleep(0.25)
                after = stored(index)
            if sorted(after) != sorted(set(attempted[index])):
                problems.append(f"client {index}: after resending, history has {len(after)} of {len(set(attempted[index]))}")
        summary = f"acked={total_acked} unacked_in_flight={in_flight}"
        if total_acked < 40:
            problems.append(f"too few messages acknowledged before the kill ({total_acked}) for the test to mean anything")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    if problems:
        print("FAIL " + summary)
        for problem in problems:
            print("  " + problem)
        sys.exit(1)
    print("OK " + summary)


asyncio.run(main())
