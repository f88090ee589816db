import Foundation
import NIOCore
import Testing

@testable import SocketIO

/// Seeded random-mutation fuzzing of every decoder. Malformed input must throw, never trap.
///
/// Runs 200 000 inputs by default; set `SOCKETIO_FUZZ_ITERATIONS=1000000` for a longer run.
@Suite struct FuzzTests {
    static let seeds: [String] = [
        "0", "40", "40{\"token\":\"123\"}", "40/admin,{\"token\":\"123\"}", "42[\"message\",1,\"2\",{\"3\":[true]}]",
        "42456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]", "43456[1,\"2\",{\"3\":[false]}]",
        "452-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", "462-789[{\"_placeholder\":true,\"num\":0}]",
        "44/random,{\"message\":\"Invalid namespace\"}", "4hello\u{1E}bAQIDBA==\u{1E}2\u{1E}4world", "2probe", "3probe", "1", "6",
        "{\"a\":[1,2.5e3,-0.1,true,false,null,\"\\u00e9\\ud83d\\ude00\"]}",
    ]

    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let interesting: [UInt8] = Array("0123456789[]{}\",:-/_\\ub\u{1E}tfn.eE+".utf8) + [0, 0x7F, 0x80, 0xC3, 0xFF]

    static func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1:
                let byte = Self.interesting[Int.random(in: 0..<Self.interesting.count, using: &rng)]
                bytes.insert(byte, at: Int.random(in: 0...bytes.count, using: &rng))
            case 2 where !bytes.isEmpty:
                bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng))
            case 3 where bytes.count > 1:
                let start = Int.random(in: 0..<bytes.count, using: &rng)
                let end = Int.random(in: start...bytes.count, using: &rng)
                bytes.insert(contentsOf: bytes[start..<end], at: Int.random(in: 0...bytes.count, using: &rng))
            default:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
            }
        }
        return bytes
    }

    /// Async and yielding now and then: a synchronous loop of several seconds would hold one of the few threads of the
    /// shared concurrency pool, and the servers of tests running beside it would miss their deadlines.
    @Test func decodersNeverTrap() async {
        let iterations = ProcessInfo.processInfo.environment["SOCKETIO_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 200_000
        var rng = SplitMix64(state: 0x5EED_C4A7_B117_2026)
        var decoder = SocketIOPacketDecoder()
        var accepted = 0
        for iteration in 0..<iterations {
            if iteration % 1_000 == 0 { await Task.yield() }
            let seed = Self.seeds[Int.random(in: 0..<Self.seeds.count, using: &rng)]
            let bytes = Self.mutate(Array(seed.utf8), using: &rng)
            let text = String(decoding: bytes, as: UTF8.self)
            if (try? EngineIOPayload.decode(ByteBuffer(bytes: bytes))) != nil { accepted += 1 }
            _ = try? EngineIOPacket(decodingText: text)
            _ = try? JSONValue(parsing: bytes)
            let body = text.utf8.first.map { $0 == UInt8(ascii: "4") } == true ? String(text.dropFirst()) : text
            if (try? decoder.decode(.text(body))) == nil {
                decoder = SocketIOPacketDecoder()
            }
            if decoder.isAwaitingAttachments, (try? decoder.decode(.binary(ByteBuffer(bytes: bytes)))) == nil {
                decoder = SocketIOPacketDecoder()
            }
        }
        #expect(accepted > 0)
    }
}
