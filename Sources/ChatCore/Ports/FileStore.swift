/// Records of uploaded files: who uploaded what for whom, and where the bytes are. The bytes themselves live in a
/// `BlobStore`.
public protocol FileStore: Sendable {
    /// Stores the records in one transaction; an id that exists already is a `.conflict`.
    ///
    /// With a `quota`, the records are stored only if the uploader's bytes since the quota's start, these records
    /// included, stay within it (`.payloadTooLarge` otherwise, storing nothing). The check and the insert are one atomic
    /// step, so concurrent uploads of one user cannot together pass the quota.
    func insert(_ records: [FileRecord], within quota: UploadQuota?) async throws
    func file(id: FileID) async throws -> FileRecord?
    /// The records of the files a message carries (none for a text message).
    func files(ofMessage id: MessageID) async throws -> [FileRecord]
    /// Removes the records (an unknown id is ignored), used when the messages that were to carry them could not be sent.
    func delete(ids: [FileID]) async throws
    /// The bytes of every file `user` uploaded at or after `time`: what the daily quota counts.
    func bytesUploaded(by user: UserID, since time: Timestamp) async throws -> Int64
}

extension FileStore {
    /// Stores the records in one transaction, with no quota.
    public func insert(_ records: [FileRecord]) async throws {
        try await self.insert(records, within: nil)
    }
}

/// A limit on the bytes one user uploads in a window: what ``FileStore/insert(_:within:)`` enforces.
public struct UploadQuota: Sendable, Hashable {
    /// The uploader the quota counts.
    public var user: UserID
    /// The start of the window.
    public var since: Timestamp
    /// The most bytes the window may hold.
    public var maxBytes: Int64

    public init(user: UserID, since: Timestamp, maxBytes: Int64) {
        self.user = user
        self.since = since
        self.maxBytes = maxBytes
    }

    /// The error for an upload that would pass the quota.
    public var exceeded: ChatError {
        ChatError(.payloadTooLarge, "the daily upload quota of \(self.maxBytes) bytes would be exceeded")
    }
}
