import ChatCore
import Foundation

/// What the Kafka pipeline writes to the topic for each message: the draft and the socket it came from (so the fan-out
/// can skip the sending device).
///
/// Version 2 is a compact binary layout (``encoded(as:)``): JSON through `Codable` was a tenth of the server's CPU in
/// the pipeline's profile. Version 1 records, versioned JSON, are still read, so a topic written by an older node
/// drains, and still written with ``KafkaRecordFormat/json``, so that nodes of an older version (which skip records
/// they cannot read) can share the topic during a rolling upgrade.
struct KafkaMessageRecord: Sendable, Hashable {
    /// The first byte of a binary record: not `{`, so it cannot be mistaken for a version 1 record.
    static let magic: UInt8 = 0xCB
    static let currentVersion: UInt8 = 2

    var message: MessageDraft
    var origin: String?

    init(message: MessageDraft, origin: String?) {
        self.message = message
        self.origin = origin
    }

    /// The magic byte and the version, then the fields in declaration order: text as a varint length and UTF-8 bytes,
    /// times as 8 little-endian bytes, optional fields behind a 0 (absent) or 1 (present) byte, and the file attachment
    /// as its JSON text (files are rare, and their JSON is the shape the SQL stores keep).
    func encoded(as format: KafkaRecordFormat = .binary) throws -> [UInt8] {
        guard format == .binary else { return Array(try Self.jsonEncoder.encode(Version1(version: 1, message: message, origin: origin))) }
        var writer = KafkaRecordWriter(capacity: 160 + message.body.utf8.count)
        writer.byte(Self.magic)
        writer.byte(Self.currentVersion)
        writer.string(message.id.rawValue)
        writer.string(message.conversationID.rawValue)
        writer.string(message.senderID.rawValue)
        writer.string(message.recipientID.rawValue)
        writer.string(message.kind.rawValue)
        writer.string(message.body)
        writer.optionalString(message.clientMessageID)
        writer.time(message.createdAt)
        writer.optionalTime(message.editedAt)
        writer.optionalTime(message.deletedAt)
        writer.optionalTime(message.deliveredAt)
        writer.optionalTime(message.readAt)
        writer.time(message.updatedAt)
        let file = try message.file.map { String(decoding: try Self.jsonEncoder.encode($0), as: UTF8.self) }
        writer.optionalString(file)
        writer.optionalString(origin)
        return writer.bytes
    }

    /// Decodes a record of either version. A binary record of a later version throws ``KafkaRecordFromNewerVersion``;
    /// anything else that is not a record of a known version (truncated, padded, not a record at all) is a
    /// `KafkaError`.
    static func decode(_ bytes: [UInt8]) throws -> KafkaMessageRecord {
        if bytes.first == UInt8(ascii: "{") { return try decodeVersion1(bytes) }
        guard bytes.count >= 2, bytes[0] == magic else { throw KafkaError(code: 0, message: "not a message record") }
        guard bytes[1] == currentVersion else {
            if bytes[1] > currentVersion { throw KafkaRecordFromNewerVersion(version: bytes[1]) }
            throw KafkaError(code: 0, message: "record version \(bytes[1]) is not \(currentVersion)")
        }
        var reader = KafkaRecordReader(bytes, offset: 2)
        var message = MessageDraft(
            id: MessageID(try reader.string()),
            conversationID: ConversationID(rawValue: try reader.string()),
            senderID: UserID(try reader.string()),
            recipientID: UserID(try reader.string()),
            kind: MessageKind(rawValue: try reader.string()),
            body: try reader.string(),
            clientMessageID: try reader.optionalString(),
            createdAt: try reader.time()
        )
        message.editedAt = try reader.optionalTime()
        message.deletedAt = try reader.optionalTime()
        message.deliveredAt = try reader.optionalTime()
        message.readAt = try reader.optionalTime()
        message.updatedAt = try reader.time()
        message.file = try reader.optionalString().map { try jsonDecoder.decode(FileAttachment.self, from: Data($0.utf8)) }
        let origin = try reader.optionalString()
        guard reader.isAtEnd else { throw KafkaError(code: 0, message: "\(reader.remaining) bytes after the record") }
        return KafkaMessageRecord(message: message, origin: origin)
    }

    /// Version 1: `{"version": 1, "message": …, "origin": …}` through `Codable`.
    private struct Version1: Codable {
        var version: Int
        var message: MessageDraft
        var origin: String?
    }

    private static func decodeVersion1(_ bytes: [UInt8]) throws -> KafkaMessageRecord {
        let record = try jsonDecoder.decode(Version1.self, from: Data(bytes))
        guard record.version == 1 else { throw KafkaError(code: 0, message: "record version \(record.version) is not 1") }
        return KafkaMessageRecord(message: record.message, origin: record.origin)
    }

    /// For version 1 records and file attachments; shared, since both are safe to use from several threads at once.
    private static let jsonEncoder = JSONEncoder()
    private static let jsonDecoder = JSONDecoder()
}

/// How the pipeline writes its records: `binary` (version 2, the default) or `json` (version 1, which every version
/// of ChatBlizz with the Kafka pipeline reads).
public enum KafkaRecordFormat: String, Sendable, Hashable, CaseIterable {
    case binary
    case json
}

/// A record in a layout newer than this node knows. The persister must not skip it, since the message in it may
/// have been acknowledged: it stops without committing, and a node that can read it stores it.
struct KafkaRecordFromNewerVersion: Error, CustomStringConvertible {
    var version: UInt8

    var description: String {
        "a Kafka record of version \(version), newer than this node's \(KafkaMessageRecord.currentVersion): upgrade this node"
    }
}
