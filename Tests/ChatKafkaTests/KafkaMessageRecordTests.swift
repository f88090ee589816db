import ChatCore
import ChatCoreTesting
import Foundation
import Testing

@testable import ChatKafka

/// The topic's record layout: every field survives a round trip, version 1 (JSON) records still decode, and a damaged
/// record is an error, never a crash or a wrong message.
struct KafkaMessageRecordTests {
    static let full: KafkaMessageRecord = {
        var message = Fixtures.message("m-1", from: UserID("ädam"), to: UserID("b"), at: -5, body: "héllo \u{0}\n😀", clientMessageID: "k")
        message.kind = .file
        message.editedAt = Timestamp(milliseconds: Int64.max)
        message.deletedAt = Timestamp(milliseconds: Int64.min)
        message.deliveredAt = Timestamp(milliseconds: 0)
        message.readAt = Timestamp(milliseconds: 1_795_000_000_123)
        message.updatedAt = Timestamp(milliseconds: 1_795_000_000_124)
        message.file = FileAttachment(
            id: FileID("f-1"),
            name: "a \"b\".png",
            size: 1 << 40,
            contentType: "image/png",
            sha256: "ab",
            width: 3,
            height: 4
        )
        return KafkaMessageRecord(message: message, origin: "socket-1")
    }()

    static let bare = KafkaMessageRecord(message: Fixtures.message("m-2", from: UserID("a"), to: UserID("b"), at: 1000, body: ""), origin: nil)

    @Test(arguments: [full, bare, KafkaMessageRecord(message: full.message, origin: String(repeating: "o", count: 300))])
    func roundTrips(_ record: KafkaMessageRecord) throws {
        let bytes = try record.encoded()
        #expect(bytes.first == KafkaMessageRecord.magic && bytes[1] == KafkaMessageRecord.currentVersion)
        #expect(try KafkaMessageRecord.decode(bytes) == record)
        let json = try record.encoded(as: .json)
        #expect(json.first == UInt8(ascii: "{"))
        #expect(try KafkaMessageRecord.decode(json) == record)
    }

    @Test func versionOneJSONRecordsStillDecode() throws {
        struct Version1: Encodable {
            var version = 1
            var message: MessageDraft
            var origin: String?
        }
        for record in [Self.full, Self.bare] {
            let json = try JSONEncoder().encode(Version1(message: record.message, origin: record.origin))
            #expect(try KafkaMessageRecord.decode(Array(json)) == record)
        }
        let future = try JSONEncoder().encode(Version1(version: 7, message: Self.bare.message, origin: nil))
        #expect(throws: KafkaError.self) { try KafkaMessageRecord.decode(Array(future)) }
    }

    @Test func everyTruncationAndPaddingIsAnError() throws {
        let bytes = try Self.full.encoded()
        for length in 0..<bytes.count {
            #expect(throws: KafkaError.self, "truncated to \(length) bytes") { try KafkaMessageRecord.decode(Array(bytes.prefix(length))) }
        }
        #expect(throws: KafkaError.self) { try KafkaMessageRecord.decode(bytes + [0]) }
    }

    @Test func otherVersionsBadFlagsAndOverlongLengthsAreErrors() throws {
        var bytes = try Self.bare.encoded()
        bytes[1] = KafkaMessageRecord.currentVersion + 1
        #expect(throws: KafkaRecordFromNewerVersion.self) { try KafkaMessageRecord.decode(bytes) }
        bytes[1] = 1
        #expect(throws: KafkaError.self, "version 1 is JSON, never binary") { try KafkaMessageRecord.decode(bytes) }
        #expect(throws: KafkaError.self) { try KafkaMessageRecord.decode([0x00, 0x02]) }
        #expect(throws: KafkaError.self) { try KafkaMessageRecord.decode([KafkaMessageRecord.magic, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) }
        // The first optional field (the client message id) flagged 2.
        var writer = KafkaRecordWriter(capacity: 64)
        writer.byte(KafkaMessageRecord.magic)
        writer.byte(KafkaMessageRecord.currentVersion)
        for field in ["m", "a:b", "a", "b", "text", "body"] { writer.string(field) }
        writer.byte(2)
        #expect(throws: KafkaError.self) { try KafkaMessageRecord.decode(writer.bytes) }
    }
}
