import ChatCore
import Testing

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

    @Test func conversationIDsIgnoreOrder() {
        #expect(ConversationID(UserID("b"), UserID("a")) == ConversationID(UserID("a"), UserID("b")))
        #expect(ConversationID(UserID("a"), UserID("b")).rawValue == "a:b")
    }
}
