import Foundation
import Testing

@testable import ChatCore

@Suite("Identifiers and timestamps")
struct IdentifierAndTimestampTests {
    @Test func messageIDsAreStrictlyIncreasingEvenWithinOneMillisecond() {
        let generator = IdentifierGenerator()
        var previous: (MessageID, Timestamp)?
        for step in 0..<10_000 {
            // The clock stands still, then jumps backwards: ids and times must still never go back.
            let now = Timestamp(milliseconds: step < 5_000 ? 1_000 : 900)
            let next = generator.nextMessageID(at: now)
            #expect(next.0.rawValue.count == 36)
            if let previous {
                #expect(previous.0 < next.0)
                #expect(previous.1 <= next.1)
            }
            previous = next
        }
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"), (1_746_920_472_000, "2025-05-10T23:41:12.000Z"), (951_782_400_123, "2000-02-29T00:00:00.123Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
    ])
    func iso8601RoundTrips(_ millis: Int64, _ text: String) {
        #expect(Timestamp(milliseconds: millis).iso8601 == text)
        #expect(Timestamp(iso8601: text) == Timestamp(milliseconds: millis))
    }

    @Test func iso8601WritesYearsPastFourDigits() {
        #expect(Timestamp(milliseconds: 253_402_300_800_000).iso8601 == "10000-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 253_402_300_799_999).iso8601 == "9999-12-31T23:59:59.999Z")
    }

    @Test func iso8601ParsingIsStrict() {
        #expect(Timestamp(iso8601: "2025-05-10T23:41:12Z") == Timestamp(milliseconds: 1_746_920_472_000))
        #expect(Timestamp(iso8601: "2025-05-10T23:41:12.5+00:00") == Timestamp(milliseconds: 1_746_920_472_500))
        for bad in ["", "2025-05-10", "2025-13-10T00:00:00Z", "2025-05-10T23:41:12.Z", "2025-05-10T23:41:12+02:00", "x025-05-10T23:41:12Z"] {
            #expect(Timestamp(iso8601: bad) == nil, "\(bad)")
        }
    }

    /// The digits are written straight into the string: every time from year 0 to 9999 reads back as itself.
    @Test func iso8601AgreesWithItsParserAcrossTheYears() {
        var random = SystemRandomNumberGenerator()
        let yearZero: Int64 = -62_167_219_200_000
        for _ in 0..<5_000 {
            let time = Timestamp(milliseconds: Int64.random(in: yearZero..<253_402_300_800_000, using: &random))
            let text = time.iso8601
            #expect(text.utf8.count == 24, "\(text)")
            #expect(Timestamp(iso8601: text) == time, "\(text)")
        }
        #expect(Timestamp(milliseconds: yearZero).iso8601 == "0000-01-01T00:00:00.000Z")
    }

    @Test func messageIDsAreVersion7UUIDs() {
        let (id, _) = IdentifierGenerator().nextMessageID(at: Timestamp(milliseconds: 1_746_920_472_000))
        let groups = id.rawValue.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        #expect(groups.map(\.count) == [8, 4, 4, 4, 12])
        #expect(id.rawValue.allSatisfy { $0 == "-" || $0.isHexDigit && !$0.isUppercase })
        #expect(groups[0] + groups[1].prefix(4) == "0196bc92fdc0", "the first 48 bits are the milliseconds")
        #expect(groups[2].first == "7")
        #expect(groups.count == 5 && "89ab".contains(groups[3].first ?? "x"))
    }

    /// The random tail of each id (62 bits after the variant) comes from the entropy pool: across ids that use several
    /// refills of it, no two tails are equal, and two generators do not repeat each other.
    @Test func messageIDTailsAreRandomAcrossPoolRefills() {
        func tails(_ generator: IdentifierGenerator) -> [Substring] {
            (0..<(EntropyPool.capacity * 5)).map { step in
                generator.nextMessageID(at: Timestamp(milliseconds: 1_000 + Int64(step))).0.rawValue.suffix(17)
            }
        }
        let first = tails(IdentifierGenerator())
        let second = tails(IdentifierGenerator())
        #expect(Set(first).count == first.count)
        #expect(Set(first).isDisjoint(with: second))
        var pool = EntropyPool()
        let words = (0..<(EntropyPool.capacity * 3)).map { _ in pool.word() }
        #expect(Set(words).count == words.count, "a refill repeated words")
    }

    /// Base64url without padding, checked against Foundation's base64 for every length up to 64, from contiguous
    /// storage and from a collection without it.
    @Test func base64URLMatchesFoundation() {
        var random = SystemRandomNumberGenerator()
        for length in 0...64 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == expected)
            #expect(Base64URL.encode(bytes.lazy.map { $0 }) == expected, "a collection without contiguous storage")
            #expect(Base64URL.decode(expected) == bytes)
        }
    }

    @Test func conversationIDsIgnoreOrder() {
        #expect(ConversationID(UserID("b"), UserID("a")) == ConversationID(UserID("a"), UserID("b")))
        #expect(ConversationID(UserID("a"), UserID("b")).rawValue == "a:b")
        let long = (UserID("kX2mPq9RtVw4YzA1bC3d"), UserID("Lm5nOp7QrSt9UvWx1YzA"))
        #expect(ConversationID(long.0, long.1).rawValue == "Lm5nOp7QrSt9UvWx1YzA:kX2mPq9RtVw4YzA1bC3d")
    }
}
