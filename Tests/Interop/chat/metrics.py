"""What `GET /metrics` says about Socket.IO, against a fresh server started with CHATBLIZZ_METRICS_TOKEN: python-socketio
clients connect, send, fail and leave, and each scrape must show exactly that."""
import argparse
import asyncio
import sys

import socketio

from chatlib import Api, fresh_names, wait_for

checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition), detail))


def scrape(api, token):
    text = api.call("GET", "/metrics", token).text
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            samples[series] = float(value)
    return samples


def events(event, result):
    return f'chatblizz_socketio_events_total{{event="{event}",result="{result}"}}'


async def connect(base, token):
    sio = socketio.AsyncClient(reconnection=False, request_timeout=30)
    await sio.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=5)
    return sio


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("--metrics-token", required=True)
    parser.add_argument("--kafka", action="store_true", help="the server runs the Kafka pipeline")
    args = parser.parse_args()
    api = Api(args.base_url)
    alice, bob, stranger = (api.register(name) for name in fresh_names("met", 3))
    api.befriend(alice, bob)
    connected = "chatblizz_socketio_connected_sockets"

    a = await connect(args.base_url, alice[1])
    b = await connect(args.base_url, bob[1])
    await wait_for(lambda: scrape(api, args.metrics_token).get(connected) == 2, what="two connected sockets")
    for index in range(3):
        reply = await a.call("send_message", {"to": bob[0], "text": f"m{index}", "clientMessageId": f"c{index}"}, timeout=10)
        check(f"send {index} is acknowledged", reply.get("ok"), reply)
        last_id = reply["message"]["id"]
    refused = await a.call("send_message", {"to": stranger[0], "text": "hi"}, timeout=10)
    check("a send to a stranger is refused", refused["error"]["code"] == "forbidden", refused)
    invalid = await a.call("send_message", {"to": bob[0]}, timeout=10)
    check("a send without text is invalid", invalid["error"]["code"] == "invalid_request", invalid)
    typing = await b.call("typing", {"to": alice[0], "isTyping": True}, timeout=10)
    check("typing is acknowledged", typing.get("ok"), typing)
    # With Kafka a message is stored after it is acknowledged, by the persister: wait until the three are (a recipient
    # marks what it received, which is stored). Its delivery is at least once, so a batch replayed after a rebalance
    # may be written again (harmlessly) and counted again.
    stored = "chatblizz_store_append_batch_size_sum"
    await wait_for(lambda: scrape(api, args.metrics_token).get(stored, 0) >= 3, timeout=60, what="three messages stored")
    if not args.kafka:
        check("three messages stored, in commits of any size", scrape(api, args.metrics_token).get(stored) == 3)
    read = await b.call("mark_read", {"peer": alice[0], "upTo": last_id}, timeout=10)
    check("a read mark is acknowledged", read.get("ok"), read)
    unknown = await b.call("mark_read", {"peer": alice[0], "upTo": "0" * 36}, timeout=10)
    check("a read mark of an unknown message fails", unknown["error"]["code"] in ("not_found", "invalid_request"), unknown)

    bad = socketio.AsyncClient(reconnection=False, request_timeout=30)
    try:
        await bad.connect(args.base_url, auth={"token": "forged.token.value"}, transports=["websocket"], wait_timeout=5)
    except socketio.exceptions.ConnectionError:
        pass
    await b.disconnect()
    await wait_for(lambda: scrape(api, args.metrics_token).get(connected) == 1, what="one connected socket")

    samples = scrape(api, args.metrics_token)
    expected = {
        events("send_message", "ok"): 3,
        events("send_message", "forbidden"): 1,
        events("send_message", "invalid_request"): 1,
        events("typing", "ok"): 1,
        events("mark_read", "ok"): 1,
        events("mark_delivered", "ok"): 0,
        events("sync", "ok"): 0,
        "chatblizz_socketio_connections_total": 2,
        'chatblizz_socketio_connect_refusals_total{reason="unauthenticated"}': 1,
        connected: 1,
        'chatblizz_store_failures_total{operation="append"}': 0,
    }
    if args.kafka:
        expected["chatblizz_kafka_holding_sends"] = 0
    else:
        check("no Kafka figures without Kafka", not any(k.startswith("chatblizz_kafka") for k in samples))
    marks = {k: v for k, v in samples.items() if k.startswith(events("mark_read", "")[:-2]) and "ok" not in k}
    check("the failed mark is counted by its code", sum(marks.values()) == 1, marks)
    for series, value in expected.items():
        related = {k: v for k, v in samples.items() if k.split("{")[0] == series.split("{")[0]}
        check(f"{series} = {value}", samples.get(series) == value, related)
    # python-socketio queues its DISCONNECT packet and then closes the WebSocket, so the server sees one or the other.
    left = {k: v for k, v in samples.items() if k.startswith("chatblizz_socketio_disconnects_total")}
    check("one disconnect, as the client left", sum(left.values()) == 1 and set(left) <= {
        'chatblizz_socketio_disconnects_total{reason="client namespace disconnect"}',
        'chatblizz_socketio_disconnects_total{reason="transport close"}'}, left)
    await a.disconnect()
    await wait_for(lambda: scrape(api, args.metrics_token).get(connected) == 0, what="no connected socket")
    if args.kafka:
        unstored = "chatblizz_kafka_unstored_records"
        check("the persister's backlog is exposed", unstored in scrape(api, args.metrics_token))
        await wait_for(lambda: scrape(api, args.metrics_token).get(unstored) == 0, timeout=60, what="the persister caught up")

    failed = [c for c in checks if not c[1]]
    for name, ok, detail in checks:
        print(("PASS " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    asyncio.run(main())
