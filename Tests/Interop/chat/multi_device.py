"""Two users with two devices each exchange messages while devices randomly disconnect and reconnect; afterwards every
device must hold exactly the REST API's history: same messages, same order, no gaps, no duplicates."""
import argparse
import asyncio
import random
import sys

from chatlib import Api, Device, fresh_names, order_key


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chaos", type=int, default=40, help="random disconnect/reconnect cycles")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    api = Api(args.base_url)
    alice_name, bob_name = fresh_names("md", 2, args.seed)
    alice, bob = api.register(alice_name), api.register(bob_name)
    api.befriend(alice, bob)

    devices = [Device("a1", alice, args.base_url, rng), Device("a2", alice, args.base_url, rng),
               Device("b1", bob, args.base_url, rng), Device("b2", bob, args.base_url, rng)]
    for device in devices:
        await device.connect()
    peer = {alice[0]: bob[0], bob[0]: alice[0]}

    per_device = args.messages // len(devices)
    sent = []

    async def sender(device):
        for index in range(per_device):
            message = await device.send(peer[device.user[0]], f"{device.name} #{index}", f"{device.name}-{index}")
            sent.append(message["id"])
            if rng.random() < 0.1:
                await asyncio.sleep(rng.random() * 0.01)

    done = asyncio.Event()

    async def chaos():
        cycles = 0
        while not done.is_set() and cycles < args.chaos:
            device = rng.choice(devices)
            await device.disconnect()
            await asyncio.sleep(0.02 + rng.random() * 0.2)
            await device.connect()
            cycles += 1
            await asyncio.sleep(rng.random() * 0.1)
        return cycles

    chaos_task = asyncio.create_task(chaos())
    await asyncio.gather(*(sender(device) for device in devices))
    done.set()
    cycles = await chaos_task

    await asyncio.sleep(0.5)
    for device in devices:
        await device.connected.wait()
        await device.catch_up()

    expected = [m["id"] for m in api.history(alice, bob[0])]
    problems = []
    if len(expected) != per_device * len(devices) or len(set(expected)) != len(expected):
        problems.append(f"REST history has {len(expected)} messages ({len(set(expected))} distinct), expected {per_device * len(devices)}")
    if set(expected) != set(sent):
        problems.append("REST history differs from the acknowledged messages")
    bob_view = [m["id"] for m in api.history(bob, alice[0])]
    if bob_view != expected:
        problems.append("the two users' REST histories differ")
    for device in devices:
        ids = device.ordered_ids()
        if ids != expected:
            missing = set(expected) - set(ids)
            extra = set(ids) - set(expected)
            problems.append(f"{device.name}: {len(ids)} messages, {len(missing)} missing, {len(extra)} extra, order equal: {ids == expected}")
        if device.duplicate_live:
            problems.append(f"{device.name}: {device.duplicate_live} messages delivered twice on one connection")
    for device in devices:
        await device.disconnect()
    summary = (f"messages={len(expected)} chaos_cycles={cycles} connections={sum(d.connections for d in devices)} "
               f"live_deliveries={sum(len(d.live_seen) for d in devices)}")
    if problems:
        print("FAIL " + summary)
        for problem in problems:
            print("  " + problem)
        sys.exit(1)
    print("OK " + summary)


asyncio.run(main())
