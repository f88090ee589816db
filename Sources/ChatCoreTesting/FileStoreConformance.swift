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
    ]
}
