import Synchronization

/// Makes identifiers. Message ids are UUIDv7 with a monotonic counter, so ids made by one process are strictly
/// increasing even within the same millisecond; that gives messages a stable order when timestamps tie.
public final class IdentifierGenerator: Sendable {
    private struct State {
        var lastMilliseconds: Int64 = 0
        var counter: UInt16 = 0
        var entropy = EntropyPool()
    }

    private let state = Mutex(State())

    public init() {}

    /// A new message id for a message created at `timestamp`. Returns the timestamp actually used, which never goes
    /// backwards within this generator, so that `(createdAt, id)` order equals id order.
    public func nextMessageID(at timestamp: Timestamp) -> (MessageID, Timestamp) {
        let (millis, counter, entropy) = state.withLock { state -> (Int64, UInt16, UInt64) in
            let entropy = state.entropy.word()
            if timestamp.milliseconds > state.lastMilliseconds {
                state.lastMilliseconds = timestamp.milliseconds
                // A random start below 0x400 (the low 10 bits of one more word) leaves room to count up within the
                // millisecond.
                state.counter = UInt16(truncatingIfNeeded: state.entropy.word() & 0x3FF)
            } else if state.counter < 0x0FFF {
                state.counter += 1
            } else {
                state.lastMilliseconds += 1
                state.counter = 0
            }
            return (state.lastMilliseconds, state.counter, entropy)
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - index))) }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: counter >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: counter)
        // The eight random bytes are one word of the pool: one getrandom call per 32 ids instead of one per id.
        for index in 8..<16 { bytes[index] = UInt8(truncatingIfNeeded: entropy >> (8 * (index - 8))) }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return (MessageID(Self.uuidString(bytes)), Timestamp(milliseconds: millis))
    }

    /// A new random user id: 20 characters of base62, the same alphabet Firebase uids use.
    public func nextUserID() -> UserID { UserID(Self.randomToken(length: 20)) }

    /// A random base62 token of the given length, for opaque ids.
    public static func randomToken(length: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        var random = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(length)
        for _ in 0..<length { bytes.append(alphabet[Int(random.next(upperBound: UInt32(alphabet.count)))]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func uuidString(_ bytes: [UInt8]) -> String {
        func hex(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10 }
        return String(unsafeUninitializedCapacity: 36) { out in
            var end = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    out[end] = UInt8(ascii: "-")
                    end += 1
                }
                out[end] = hex(byte >> 4)
                out[end + 1] = hex(byte & 0x0F)
                end += 2
            }
            return end
        }
    }
}
