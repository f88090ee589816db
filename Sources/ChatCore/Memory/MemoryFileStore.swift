/// An in-memory `FileStore`.
public actor MemoryFileStore: FileStore {
    private var records: [FileID: FileRecord] = [:]

    public init() {}

    public func insert(_ records: [FileRecord], within quota: UploadQuota?) throws {
        var seen = Set<FileID>()
        for record in records {
            guard self.records[record.id] == nil, seen.insert(record.id).inserted else {
                throw ChatError.conflict("file \(record.id) already exists")
            }
        }
        if let quota {
            let adding = records.reduce(Int64(0)) { $0 + $1.attachment.size }
            guard bytesUploaded(by: quota.user, since: quota.since) + adding <= quota.maxBytes else { throw quota.exceeded }
        }
        for record in records { self.records[record.id] = record }
    }

    public func file(id: FileID) -> FileRecord? { records[id] }

    public func files(ofMessage id: MessageID) -> [FileRecord] {
        records.values.filter { $0.messageID == id }.sorted { $0.id.rawValue < $1.id.rawValue }
    }

    public func delete(ids: [FileID]) {
        for id in ids { records[id] = nil }
    }

    public func bytesUploaded(by user: UserID, since time: Timestamp) -> Int64 {
        records.values.filter { $0.uploaderID == user && $0.createdAt >= time }.reduce(0) { $0 + $1.attachment.size }
    }
}
