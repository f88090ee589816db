# Kafka: a Kafka-protocol broker (librdkafka's mock cluster, see scripts/kafka-broker.py) on a loopback port. Also
# installs librdkafka-dev, which the package's Kafka trait links. Exports CHATBLIZZ_TEST_KAFKA_BROKERS.
start_kafka() {
    local pid dir=$state/kafka deadline
    apt_install librdkafka-dev librdkafka1 pkg-config
    mkdir -p "$dir"
    give_to_unprivileged "$dir"
    run_unprivileged python3 "$root/scripts/kafka-broker.py" "$dir/address" >"$dir/broker.log" 2>&1 &
    pid=$!
    # $pid is the subshell that runs runuser, which outlives it: the broker is found by its address file instead.
    cleanup_hooks+=("kill $pid; pkill -f -- 'kafka-broker.py $dir/address'")
    deadline=$((SECONDS + 30))
    until [ -s "$dir/address" ]; do
        kill -0 "$pid" 2>/dev/null || { cat "$dir/broker.log" >&2; return 1; }
        [ $SECONDS -ge $deadline ] && { log "the Kafka broker did not start"; cat "$dir/broker.log" >&2; return 1; }
        sleep 0.2
    done
    CHATBLIZZ_TEST_KAFKA_BROKERS=$(cat "$dir/address")
    export CHATBLIZZ_TEST_KAFKA_BROKERS
    log "Kafka (librdkafka mock broker) on $CHATBLIZZ_TEST_KAFKA_BROKERS"
}
