import ChatCore
import Foundation

/// What the Kafka pipeline writes to the topic for each message: the draft and the socket it came from (so the fan-out
/// can skip the sending device), as versioned JSON.
struct KafkaMessageRecord: Codable, Sendable {
    static let currentVersion = 1

    var version: Int
    var message: MessageDraft
    var origin: String?

    init(message: MessageDraft, origin: String?) {
        self.version = Self.currentVersion
        self.message = message
        self.origin = origin
    }

    func encoded() throws -> [UInt8] {
        Array(try Self.encoder.encode(self))
    }

    /// Decodes a record; a record of another version, or not a record at all, is an error.
    static func decode(_ bytes: [UInt8]) throws -> KafkaMessageRecord {
        let record = try decoder.decode(KafkaMessageRecord.self, from: Data(bytes))
        guard record.version == currentVersion else {
            throw KafkaError(code: 0, message: "record version \(record.version) is not \(currentVersion)")
        }
        return record
    }

    /// One of each for every record: both are safe to share, and each send and stored batch uses them.
    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()
}
