import Benchmark
import NIOCore
import SocketIO

// Every codec benchmark handles `packetsPerScaledIteration` packets per scaled iteration, with the `.kilo` scaling
// factor: 10,000 packets per measured iteration. Per-packet figures are the reported (unscaled) instruction and malloc
// counts divided by 10,000; throughput (scaled, `--scale`) is in thousands of 10-packet batches per second.
let packetsPerScaledIteration = 10

// Benchmark names avoid spaces: benchmark 1.38.1 writes threshold files with spaces turned into underscores but looks
// them up with the spaces kept, so a name with a space never finds its thresholds.

let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [.instructions, .cpuTotal, .mallocCountTotal, .wallClock, .throughput]
    // Wall clock and CPU time are reported but never checked: the 2-core development machine is shared with other
    // builds. Malloc (and, where the CPU exposes a PMU, instruction) counts are nearly deterministic; the tolerances
    // absorb toolchain and allocator noise, not regressions.
    let thresholds: [BenchmarkMetric: BenchmarkThresholds] = [
        .instructions: BenchmarkThresholds(relative: [.p90: 10]),
        .mallocCountTotal: BenchmarkThresholds(relative: [.p90: 5]),
    ]
    Benchmark.defaultConfiguration = .init(
        metrics: metrics,
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 20,
        thresholds: thresholds
    )

    let samples = CodecSamples()

    // MARK: Socket.IO over Engine.IO, one WebSocket text (or binary) frame per Engine.IO packet

    for sample in samples.all {
        Benchmark("Encode.\(sample.name)") { benchmark in
            for _ in benchmark.scaledIterations {
                for _ in 0..<packetsPerScaledIteration {
                    let encoded = sample.packet.encode()
                    for engineIOPacket in encoded.engineIOPackets {
                        blackHole(engineIOPacket.encodedText)
                    }
                }
            }
        }

        Benchmark("Decode.\(sample.name)") { benchmark in
            var decoder = SocketIOPacketDecoder()
            for _ in benchmark.scaledIterations {
                for _ in 0..<packetsPerScaledIteration {
                    var decoded: SocketIOPacket?
                    let message = try! EngineIOPacket(decodingText: sample.frame)
                    decoded = try! decoder.decode(message.data)
                    for attachment in sample.attachments {
                        decoded = try! decoder.decode(.binary(attachment))
                    }
                    precondition(decoded != nil)
                    blackHole(decoded)
                }
            }
        }
    }

    // MARK: Polling payload framing (10 packets per payload, one payload per scaled iteration)

    Benchmark("EngineIOPayload.encode_10_packets") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(EngineIOPayload.encode(samples.pollingPackets))
        }
    }

    Benchmark("EngineIOPayload.decode_10_packets") { benchmark in
        for _ in benchmark.scaledIterations {
            let packets = try! EngineIOPayload.decode(samples.pollingBody)
            precondition(packets.count == packetsPerScaledIteration)
            blackHole(packets)
        }
    }

    // MARK: Connection-state recovery log (every broadcast EVENT is recorded with its offset)

    Benchmark("SocketIORecoveryStore.record") { benchmark in
        // A full log (10,000 packets) in steady state: each record appends one entry and drops the oldest. About 20
        // packets share a millisecond, as at ~20,000 broadcasts a second.
        var store = SocketIORecoveryStore(maxDisconnectionDuration: .seconds(120))
        let target = SocketIOBroadcastTarget(rooms: ["user:u-01HZX3J8Q4W6B2N9C5V7M1K0PD"])
        let now = ContinuousClock.now
        var millis: Int64 = 1_764_097_200_000
        var recorded = 0
        func record() {
            recorded += 1
            if recorded % 20 == 0 { millis += 1 }
            blackHole(store.record(samples.receiveMessage.packet, target: target, now: now, wallClockMillis: millis))
        }
        for _ in 0..<10_000 { record() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for _ in 0..<packetsPerScaledIteration { record() }
        }
    }

    // MARK: JSON event decode

    Benchmark("JSONValue.parse_send_message") { benchmark in
        for _ in benchmark.scaledIterations {
            for _ in 0..<packetsPerScaledIteration {
                blackHole(try! JSONValue(parsing: samples.sendMessageJSON))
            }
        }
    }

    Benchmark("JSONValue.decode_SendMessagePayload") { benchmark in
        // The adapter's path: the event's argument (already a JSONValue) decoded into the handler's Decodable type.
        for _ in benchmark.scaledIterations {
            for _ in 0..<packetsPerScaledIteration {
                blackHole(try! samples.sendMessageArgument.decode(SendMessagePayload.self))
            }
        }
    }
}

/// The `send_message` argument as a chat handler declares it.
struct SendMessagePayload: Decodable, Sendable {
    var to: String
    var text: String
    var clientMessageId: String?
}

/// One packet as the server would encode it, and the frame(s) a client would send for it.
struct CodecSample {
    var name: String
    var packet: SocketIOPacket
    /// The WebSocket text frame: Engine.IO `4` + Socket.IO text.
    var frame: String
    var attachments: [ByteBuffer]

    init(_ name: String, _ packet: SocketIOPacket) {
        self.name = name
        self.packet = packet
        let encoded = packet.encode()
        self.frame = encoded.engineIOPackets[0].encodedText!
        self.attachments = encoded.attachments
    }
}

/// Typical ChatBlizz traffic.
struct CodecSamples {
    let sendMessage: CodecSample
    let receiveMessage: CodecSample
    let binaryEvent: CodecSample
    let ack: CodecSample
    let pollingPackets: [EngineIOPacket]
    let pollingBody: ByteBuffer
    let sendMessageJSON: String
    let sendMessageArgument: JSONValue

    var all: [CodecSample] { [sendMessage, receiveMessage, binaryEvent, ack] }

    init() {
        let sendArgument: JSONValue = [
            "to": "u-01HZX3J8Q4W6B2N9C5V7M1K0PD",
            "text": "Are we still on for lunch tomorrow?",
            "clientMessageId": "c-8f14e45f-ceea-467a-9575-4a4f1d8a9c2e",
        ]
        self.sendMessageArgument = sendArgument
        // 42<ack>["send_message",{...}]
        self.sendMessage = CodecSample(
            "send_message_with_ack",
            SocketIOPacket(type: .event, ackID: 17, data: ["send_message", sendArgument])
        )
        self.sendMessageJSON = JSONValue.array(["send_message", sendArgument]).jsonString

        // 42["receive_message",{...}], about 370 bytes.
        let message: JSONValue = [
            "id": "m-01HZX3K2T7YF5R8D0A6S4G2JQW",
            "conversationId": "u-01HZX3J8Q4W6B2N9C5V7M1K0PD:u-01HZX3JB0E5T3C8V1N6M4K9QRS",
            "senderId": "u-01HZX3JB0E5T3C8V1N6M4K9QRS",
            "recipientId": "u-01HZX3J8Q4W6B2N9C5V7M1K0PD",
            "kind": "text",
            "body": "Are we still on for lunch tomorrow?",
            "clientMessageId": "c-8f14e45f-ceea-467a-9575-4a4f1d8a9c2e",
            "createdAt": 1_764_097_200_123,
        ]
        self.receiveMessage = CodecSample("receive_message", SocketIOPacket(type: .event, data: ["receive_message", message]))

        // 451-["upload_chunk",{...,"data":{"_placeholder":true,"num":0}}] and one 1 KiB attachment.
        var chunk = ByteBuffer()
        chunk.writeRepeatingByte(0xA5, count: 1024)
        self.binaryEvent = CodecSample(
            "binary_event_1_attachment",
            SocketIOPacket(type: .event, data: ["upload_chunk", ["fileId": "f-42", "offset": 0, "data": .binary(chunk)]])
        )

        // 43<ack>[{...}]
        self.ack = CodecSample(
            "ack",
            SocketIOPacket(type: .ack, ackID: 17, data: [["ok": true, "id": "m-01HZX3K2T7YF5R8D0A6S4G2JQW", "createdAt": 1_764_097_200_123]])
        )

        var pollingPackets: [EngineIOPacket] = []
        let texts = [sendMessage.frame, receiveMessage.frame, ack.frame, "2", "3"]
        for index in 0..<packetsPerScaledIteration {
            pollingPackets.append(try! EngineIOPacket(decodingText: texts[index % texts.count]))
        }
        self.pollingPackets = pollingPackets
        self.pollingBody = ByteBuffer(string: EngineIOPayload.encode(pollingPackets))
    }
}
