#!/usr/bin/env python3
"""A Kafka-protocol broker for the tests: librdkafka's mock cluster (Debian's librdkafka1), served over real TCP.

Neither Debian nor PyPI packages Apache Kafka, and CI cannot download it. librdkafka ships a mock cluster that speaks
the Kafka protocol (produce with acks and idempotence, fetch, metadata, consumer groups, offset commits) on loopback
sockets. This starts one, writes its bootstrap address ("127.0.0.1:PORT") to the file named by the first argument,
and serves until it is terminated.

Usage: kafka-broker.py ADDRESS_FILE [BROKERS]
"""
import ctypes
import os
import signal
import sys
import threading

lib = ctypes.CDLL("librdkafka.so.1")
lib.rd_kafka_conf_new.restype = ctypes.c_void_p
lib.rd_kafka_new.restype = ctypes.c_void_p
lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
lib.rd_kafka_mock_cluster_new.restype = ctypes.c_void_p
lib.rd_kafka_mock_cluster_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
lib.rd_kafka_version_str.restype = ctypes.c_char_p


def main() -> None:
    address_file = sys.argv[1]
    brokers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    error = ctypes.create_string_buffer(512)
    # The cluster needs a client handle to live in; this one never connects anywhere.
    handle = lib.rd_kafka_new(0, lib.rd_kafka_conf_new(), error, len(error))
    if not handle:
        sys.exit(f"rd_kafka_new failed: {error.value.decode()}")
    cluster = lib.rd_kafka_mock_cluster_new(handle, brokers)
    if not cluster:
        sys.exit("rd_kafka_mock_cluster_new failed")
    bootstraps = lib.rd_kafka_mock_cluster_bootstraps(cluster).decode()
    with open(address_file + ".tmp", "w") as file:
        file.write(bootstraps)
    # Renamed into place, so a reader never sees half an address.
    os.replace(address_file + ".tmp", address_file)
    print(f"librdkafka {lib.rd_kafka_version_str().decode()} mock broker on {bootstraps}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main()
