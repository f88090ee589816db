import Foundation
import NIOCore
import Testing

@testable import ChatRedis

/// Arbitrary bytes must never crash the parser: every input ends in a value, a need-more-data, or a `RedisError`.
struct RESPFuzzTests {
    /// SplitMix64: small, seeded, reproducible.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let interesting: [UInt8] = Array("+-:$*_#,(!=%~>|\r\n0123456789-tf".utf8) + [0, 255]

    static func mutate(_ input: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 1:
                let byte = interesting[Int.random(in: 0..<interesting.count, using: &random)]
                bytes.insert(byte, at: Int.random(in: 0...bytes.count, using: &random))
            case 2 where !bytes.isEmpty:
                bytes.remove(at: Int.random(in: 0..<bytes.count, using: &random))
            case 3 where !bytes.isEmpty:
                bytes.removeLast(Int.random(in: 0...bytes.count, using: &random))
            case 4:
                bytes += (0..<Int.random(in: 0..<16, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            default:
                let other = RESPParserTests.vectors[Int.random(in: 0..<RESPParserTests.vectors.count, using: &random)]
                bytes.insert(contentsOf: other.wire.utf8, at: Int.random(in: 0...bytes.count, using: &random))
            }
        }
        return bytes
    }

    @Test func arbitraryBytesNeverCrash() async {
        let iterations = ProcessInfo.processInfo.environment["RESP_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 200_000
        var random = SeededGenerator(state: 0xC0FF_EE00_1234_5678)
        let parser = RESPParser(limits: .init(maxBulkLength: 1 << 16, maxDepth: 8, maxAggregateCount: 1 << 12, maxLineLength: 256))
        let seeds = RESPParserTests.vectors.map { Array($0.wire.utf8) }
        var outcomes = (values: 0, incomplete: 0, errors: 0)
        for iteration in 0..<iterations {
            // Long and synchronous: let the other tests (and their connections) run on the shared cooperative pool.
            if iteration % 1_000 == 0 { await Task.yield() }
            let seed = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            var buffer = ByteBuffer(bytes: Self.mutate(seed, using: &random))
            do {
                while buffer.readableBytes > 0 {
                    let before = buffer.readableBytes
                    guard try parser.parse(&buffer) != nil else {
                        outcomes.incomplete += 1
                        break
                    }
                    outcomes.values += 1
                    guard buffer.readableBytes < before else {
                        Issue.record("a value consumed no bytes")
                        return
                    }
                }
            } catch {
                guard error is RedisError else {
                    Issue.record("unexpected error type \(error)")
                    return
                }
                outcomes.errors += 1
            }
        }
        #expect(outcomes.values > 0 && outcomes.incomplete > 0 && outcomes.errors > 0)
    }
}
