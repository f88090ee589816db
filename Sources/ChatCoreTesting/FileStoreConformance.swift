import ChatCore
import Testing

/// One named check of the `FileStore` contract, run against a fresh, empty store.
public struct FileStoreConformanceCase: Sendable, CustomTestStringConvertible, CustomStringConvertible {
    public let name: String
    public let body: @Sendable (any FileStore) async throws -> Void

    public init(_ name: String, _ body: @escaping @Sendable (any FileStore) async throws -> Void) {
        self.name = name
        self.body = body
    }

    public var testDescription: String { name }
    public var description: String { name }
}

/// The contract of `FileStore`.
public enum FileStoreConformance {
    static let a = UserID("u-a")
    static let b = UserID("u-b")

    static func record(_ id: String, by uploader: UserID = a, size: Int64 = 10, at time: Int64 = 1000) -> FileRecord {
        FileRecord(
            attachment: FileAttachment(
                id: FileID(id),
                name: "näme \(id).png",
                size: size,
                contentType: "image/png",
                sha256: String(repeating: "0f", count: 32),
                width: 3,
                height: 2
            ),
            messageID: MessageID("m-\(id)"),
            uploaderID: uploader,
            receiverID: uploader == a ? b : a,
            storageKey: "files/\(id)",
            createdAt: Timestamp(milliseconds: time)
        )
    }

    public static let cases: [FileStoreConformanceCase] = [
        FileStoreConformanceCase("files: insert and read back") { store in
            let first = record("f1")
            var second = record("f2", by: b)
            second.attachment.width = nil
            second.attachment.height = nil
            second.receiverID = nil
            try await store.insert([first, second])
            #expect(try await store.file(id: first.id) == first)
            #expect(try await store.file(id: second.id) == second)
            #expect(try await store.file(id: FileID("missing")) == nil)
        },
        FileStoreConformanceCase("files: a duplicate id is a conflict and inserts nothing of its batch") { store in
            try await store.insert([record("f1")])
            await Fixtures.expectChatError(.conflict) { try await store.insert([record("f2"), record("f1")]) }
            #expect(try await store.file(id: FileID("f2")) == nil)
        },
        FileStoreConformanceCase("files: the records of a message") { store in
            var second = record("f2")
            second.messageID = MessageID("m-f1")
            try await store.insert([record("f1"), second, record("f3")])
            #expect(try await store.files(ofMessage: MessageID("m-f1")).map(\.id) == [FileID("f1"), FileID("f2")])
            #expect(try await store.files(ofMessage: MessageID("m-f3")).map(\.id) == [FileID("f3")])
            #expect(try await store.files(ofMessage: MessageID("m-none")).isEmpty)
        },
        FileStoreConformanceCase("files: delete removes records and ignores unknown ids") { store in
            try await store.insert([record("f1"), record("f2")])
            try await store.delete(ids: [FileID("f1"), FileID("nope")])
            #expect(try await store.file(id: FileID("f1")) == nil)
            #expect(try await store.file(id: FileID("f2")) != nil)
            try await store.delete(ids: [])
        },
        FileStoreConformanceCase("files: bytes uploaded by a user since a time") { store in
            try await store.insert([
                record("f1", size: 100, at: 1000), record("f2", size: 20, at: 2000), record("f3", size: 3, at: 3000),
                record("f4", by: b, size: 5000, at: 3000),
            ])
            #expect(try await store.bytesUploaded(by: a, since: Timestamp(milliseconds: 0)) == 123)
            #expect(try await store.bytesUploaded(by: a, since: Timestamp(milliseconds: 2000)) == 23)
            #expect(try await store.bytesUploaded(by: a, since: Timestamp(milliseconds: 3001)) == 0)
            #expect(try await store.bytesUploaded(by: b, since: Timestamp(milliseconds: 0)) == 5000)
            #expect(try await store.bytesUploaded(by: UserID("nobody"), since: Timestamp(milliseconds: 0)) == 0)
        },
        FileStoreConformanceCase("files: an insert within a quota counts the uploader's earlier files in the window") { store in
            try await store.insert([record("old", size: 500, at: 500), record("f1", size: 60, at: 1000), record("other", by: b, size: 90)])
            let quota = UploadQuota(user: a, since: Timestamp(milliseconds: 1000), maxBytes: 100)
            try await store.insert([record("f2", size: 30, at: 2000), record("f3", size: 10, at: 2000)], within: quota)
            await Fixtures.expectChatError(.payloadTooLarge) { try await store.insert([record("f4", size: 1, at: 2000)], within: quota) }
            #expect(try await store.file(id: FileID("f4")) == nil)
            #expect(try await store.bytesUploaded(by: a, since: quota.since) == 100)
            // A later window no longer counts the first file.
            let later = UploadQuota(user: a, since: Timestamp(milliseconds: 1001), maxBytes: 100)
            try await store.insert([record("f5", size: 60, at: 3000)], within: later)
        },
        FileStoreConformanceCase("files: concurrent inserts of one uploader cannot together pass the quota") { store in
            let quota = UploadQuota(user: a, since: Timestamp(milliseconds: 0), maxBytes: 100)
            let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<24 {
                    group.addTask {
                        do {
                            try await store.insert([record("c\(index)", size: 10)], within: quota)
                            return true
                        } catch let error as ChatError where error.code == .payloadTooLarge {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(accepted == 10)
            #expect(try await store.bytesUploaded(by: a, since: quota.since) == 100)
        },
    ]
}
