"""The floor under each frame ChatBlizz writes: the kernel CPU one small send() costs on loopback TCP.

The receiver is another process that only reads. On loopback the sender's CPU also pays for the receiving
side's TCP processing (the packet is delivered in the sender's context), as ChatBlizz's writes do in the bench.
Usage: python3 loopback-write.py [BYTES] [WRITES]   (see docs/performance.md, "The floor")
"""

import os
import resource
import socket
import sys
import time


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 250
    writes = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    if os.fork() == 0:
        reader = socket.create_connection(("127.0.0.1", port))
        while reader.recv(1 << 16):
            pass
        os._exit(0)
    sender, _ = listener.accept()
    sender.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = b"x" * size
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    for _ in range(writes):
        sender.send(payload)
    after, ended = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    sender.close()
    os.wait()
    per_write = lambda seconds: seconds / writes * 1e6  # noqa: E731
    print(
        f"{size} B x {writes}: system {per_write(after.ru_stime - before.ru_stime):.2f} µs/write, "
        f"user {per_write(after.ru_utime - before.ru_utime):.2f} µs/write, wall {per_write(ended - started):.2f} µs"
    )


if __name__ == "__main__":
    main()
