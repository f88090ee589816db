"""Three ChatBlizz nodes sharing PostgreSQL and Redis act as one: messages, typing and receipts cross nodes, presence is
global, a node killed with SIGKILL shows its users offline within the presence TTL, and a Redis restart loses no
acknowledged message (live delivery resumes after resubscription; the outage is caught up through sync)."""
import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import requests

from chatlib import Api, Device, fresh_names, wait_for

checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition), detail))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(binary, port, directory):
    return subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def start_node(binary, index, database_url, redis_url, directory):
    port = free_port()
    data = os.path.join(directory, f"node{index}")
    os.makedirs(data, exist_ok=True)
    env = dict(os.environ, CHATBLIZZ_DATABASE_URL=database_url, REDIS_URL=redis_url, CHATBLIZZ_NODE_ID=f"node{index}",
               CHATBLIZZ_PRESENCE_TTL_MS="3000", CHATBLIZZ_BCRYPT_COST="4", CHATBLIZZ_SOCKET_RATE_LIMIT="10000",
               CHATBLIZZ_JWT_SECRET="hex:" + "ab" * 32, CHATBLIZZ_LOG_LEVEL="warning")
    log = open(os.path.join(data, "server.log"), "ab")
    process = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data], env=env, stdout=log, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"node{index} exited: {open(os.path.join(data, 'server.log')).read()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return process, f"http://127.0.0.1:{port}"
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"node{index} not ready")


def events(device, name):
    return [payload for event, payload in device.events if event == name]


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-bin", required=True)
    parser.add_argument("--postgres-url", required=True)
    parser.add_argument("--redis-bin", required=True)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="chatblizz-multinode-")
    schema = "multinode_" + uuid.uuid4().hex[:10]
    database_url = args.postgres_url + ("&" if "?" in args.postgres_url else "?") + f"schema={schema}&pool_size=4"
    redis_port = free_port()
    redis = start_redis(args.redis_bin, redis_port, directory)
    wait_port(redis_port)
    redis_url = f"redis://127.0.0.1:{redis_port}"
    nodes = []
    try:
        for index in range(3):
            nodes.append(start_node(args.server_bin, index, database_url, redis_url, directory))
        bases = [base for _, base in nodes]
        apis = [Api(base) for base in bases]
        names = fresh_names("mn", 4)
        users = [apis[i % 3].register(name) for i, name in enumerate(names)]
        apis[0].befriend(users[0], users[1])
        apis[1].befriend(users[0], users[2])
        apis[2].befriend(users[1], users[2])
        import random
        rng = random.Random(5)
        # user0 on node0, user1 on node1, user2 on node2 (the one that will be killed).
        devices = [Device(f"d{i}", users[i], bases[i], rng) for i in range(3)]
        for device in devices:
            await device.connect(["websocket"])
        await wait_for(lambda: {p["userId"] for p in events(devices[0], "presence") if p["online"]} >= {users[1][0], users[2][0]},
                       what="user0 sees both friends online across nodes")
        check("presence: friends on other nodes are seen online", True)

        sent = [await devices[0].send(users[1][0], f"cross {i}", f"x-{i}") for i in range(30)]
        await wait_for(lambda: all(m["id"] in devices[1].live_seen for m in sent), what="live delivery node0 -> node1")
        check("messages: delivered live across nodes", True)
        await devices[0].sio.call("typing", {"to": users[1][0], "isTyping": True}, timeout=5)
        await wait_for(lambda: any(p["userId"] == users[0][0] for p in events(devices[1], "typing")), what="typing across nodes")
        check("typing: crosses nodes", True)
        read = await devices[1].sio.call("mark_read", {"peer": users[0][0], "upTo": sent[-1]["id"]}, timeout=5)
        await wait_for(lambda: any(p["upTo"] == sent[-1]["id"] for p in events(devices[0], "message_read")), what="read receipt across nodes")
        check("receipts: cross nodes", read.get("ok"), read)

        # A node dies without a goodbye: its users go offline within the TTL.
        killed_at = time.time()
        nodes[2][0].send_signal(signal.SIGKILL)
        nodes[2][0].wait()
        await wait_for(lambda: any(p["userId"] == users[2][0] and not p["online"] for p in events(devices[0], "presence")),
                       timeout=15, what="user2 offline after node2 was killed")
        elapsed = time.time() - killed_at
        check("presence: a killed node's users go offline within the TTL", elapsed < 3.0 + 1.5 + 2.0, f"{elapsed:.1f}s")

        # Redis goes away and comes back on the same port.
        redis.send_signal(signal.SIGKILL)
        redis.wait()
        during = [await devices[0].send(users[1][0], f"during outage {i}", f"o-{i}") for i in range(10)]
        check("outage: sends are still acknowledged (durable in PostgreSQL)", len(during) == 10)
        redis = start_redis(args.redis_bin, redis_port, directory)
        wait_port(redis_port)
        # The nodes reconnect with backoff (at most REDIS max delay plus jitter) and resubscribe by themselves; a
        # message published before the recipient's node has resubscribed is not delivered live (sync has it), so
        # probe until one arrives live, then require live delivery of a whole batch.
        resumed_at = None
        probe_deadline = time.time() + 30
        probe = 0
        while time.time() < probe_deadline:
            message = await devices[0].send(users[1][0], f"probe {probe}", f"p-{probe}")
            probe += 1
            try:
                await wait_for(lambda: message["id"] in devices[1].live_seen, timeout=1, what="probe")
                resumed_at = time.time()
                break
            except AssertionError:
                pass
        after = [await devices[0].send(users[1][0], f"after restart {i}", f"r-{i}") for i in range(10)]
        try:
            if resumed_at is None:
                raise AssertionError("no live delivery within 30 s of the Redis restart")
            await wait_for(lambda: all(m["id"] in devices[1].live_seen for m in after), timeout=15, what="live delivery after the Redis restart")
            check("redis restart: nodes resubscribe, live delivery resumes", True)
        except AssertionError as error:
            check("redis restart: nodes resubscribe, live delivery resumes", False, str(error))
        await devices[1].catch_up()
        missing = [m["id"] for m in sent + during + after if m["id"] not in devices[1].history]
        check("redis restart: nothing acknowledged is lost (sync catches up)", not missing, missing[:5])
        history = {m["id"] for m in apis[1].history(users[1], users[0][0])}
        check("history: every acknowledged message stored", {m["id"] for m in sent + during + after} <= history)
        for device in devices[:2]:
            await device.disconnect()
    finally:
        for process, _ in nodes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        redis.kill()
        shutil.rmtree(directory, ignore_errors=True)
    failed = [c for c in checks if not c[1]]
    for name, ok, detail in checks:
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {str(detail)[:300]}"))
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


asyncio.run(main())
