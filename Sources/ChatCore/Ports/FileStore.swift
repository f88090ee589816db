/// Records of uploaded files: who uploaded what for whom, and where the bytes are. The bytes themselves live in a
/// `BlobStore`.
public protocol FileStore: Sendable {
    /// Stores the records in one transaction; an id that exists already is a `.conflict`.
    func insert(_ records: [FileRecord]) async throws
    func file(id: FileID) async throws -> FileRecord?
    /// Removes the records (an unknown id is ignored), used when the messages that were to carry them could not be sent.
    func delete(ids: [FileID]) async throws
    /// The bytes of every file `user` uploaded at or after `time`: what the daily quota counts.
    func bytesUploaded(by user: UserID, since time: Timestamp) async throws -> Int64
}
