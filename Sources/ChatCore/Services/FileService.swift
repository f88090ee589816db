import Foundation
import Synchronization

/// A file whose bytes are stored but which no message carries yet: the result of `FileService.stage`.
public struct StagedFile: Hashable, Sendable {
    public var key: String
    /// The sanitised display name.
    public var name: String
    public var info: BlobInfo
    public var type: DetectedFileType
    public var width: Int?
    public var height: Int?
}

/// Sending files as messages: uploads are staged into the `BlobStore` one by one (streamed, type-checked from their
/// bytes, limited), then sent together as `.file` messages through `MessagingService`, so they travel exactly like
/// text messages. Anything that fails removes what this upload stored.
public struct FileService: Sendable {
    let files: any FileStore
    let blobs: any BlobStore
    let messaging: MessagingService
    let clock: ChatClock
    public let limits: FileLimits

    public init(files: any FileStore, blobs: any BlobStore, messaging: MessagingService, clock: ChatClock = .system, limits: FileLimits = .init()) {
        self.files = files
        self.blobs = blobs
        self.messaging = messaging
        self.clock = clock
        self.limits = limits
    }

    /// Throws unless `sender` may send messages (and so files) to `recipient`.
    public func checkCanSend(_ sender: UserID, to recipient: UserID) async throws {
        try await messaging.checkCanMessage(sender, recipient)
    }

    /// The window the daily upload quota counts: the last 24 hours.
    static let quotaWindowMilliseconds: Int64 = 86_400_000

    /// Bytes `user` may still upload in the current 24 hours.
    public func remainingQuota(for user: UserID) async throws -> Int64 {
        let used = try await files.bytesUploaded(by: user, since: clock.now().adding(milliseconds: -Self.quotaWindowMilliseconds))
        return max(0, limits.maxBytesPerUserPerDay - used)
    }

    /// Streams one file into the blob store under a fresh random key. The first bytes decide its type
    /// (`FileTypeDetector`; `.unsupportedMediaType` when not allowed) before anything is kept, text is checked to the
    /// end, and more than `maxBytes` is `.payloadTooLarge` with `limitMessage`. On failure nothing stays stored.
    public func stage(body: BlobBody, fileName: String, maxBytes: Int64, limitMessage: String) async throws -> StagedFile {
        let key = BlobKey.random(prefix: "files")
        let inspection = UploadInspection()
        let info: BlobInfo
        do {
            info = try await blobs.put(
                key: key,
                body: BlobBody(InspectedChunks(base: body, inspection: inspection)),
                contentType: nil,
                maxBytes: maxBytes
            )
        } catch let error as ChatError where error.code == .payloadTooLarge {
            throw ChatError(.payloadTooLarge, limitMessage)
        }
        guard let result = inspection.result else {
            try? await blobs.delete(key: key)
            throw ChatError(.internalError, "the upload was stored without being inspected")
        }
        return StagedFile(
            key: key,
            name: FileName.sanitize(fileName),
            info: info,
            type: result.type,
            width: result.dimensions?.width,
            height: result.dimensions?.height
        )
    }

    /// Removes the bytes of staged files that will not be sent. It runs in its own awaited task, so it still happens when
    /// the upload's task was cancelled (a client that went away mid-upload).
    public func discard(_ staged: [StagedFile]) async {
        guard !staged.isEmpty else { return }
        let blobs = self.blobs
        let cleanup = Task {
            for file in staged { try? await blobs.delete(key: file.key) }
        }
        await cleanup.value
    }

    /// Removes the bytes of the files a deleted message carried; their records stay, and their downloads are refused
    /// because the message is deleted. Does nothing while the message is not deleted. A blob that is already gone is no
    /// error, so every node of a cluster can do this for the same message (with local disks, only the node that stored
    /// the bytes has them).
    public func removeBlobs(ofDeletedMessage id: MessageID) async throws {
        let records = try await files.files(ofMessage: id)
        guard !records.isEmpty, try await messaging.messages.message(id: id)?.deletedAt != nil else { return }
        for record in records { try await blobs.delete(key: record.storageKey) }
    }

    /// Sends each staged file as a `.file` message from `sender` to `recipient`, in order, and returns the messages.
    /// On failure the files not sent are removed (records and bytes), so the caller must not `discard` them again.
    public func send(from sender: UserID, to recipient: UserID, _ staged: [StagedFile]) async throws -> [Message] {
        var drafts: [MessageDraft] = []
        var records: [FileRecord] = []
        do {
            try await checkCanSend(sender, to: recipient)
            let now = clock.now()
            for file in staged {
                let attachment = FileAttachment(
                    id: FileID(IdentifierGenerator.randomToken(length: 22)),
                    name: file.name,
                    size: file.info.size,
                    contentType: file.type.mimeType,
                    sha256: file.info.sha256,
                    width: file.width,
                    height: file.height
                )
                let draft = messaging.fileDraft(from: sender, to: recipient, file: attachment)
                drafts.append(draft)
                records.append(
                    FileRecord(
                        attachment: attachment,
                        messageID: draft.id,
                        uploaderID: sender,
                        receiverID: recipient,
                        storageKey: file.key,
                        createdAt: now
                    )
                )
            }
            // The upload checked the quota before it started; this checks it again atomically with the insert, so
            // that concurrent uploads of one user cannot together pass it.
            let quota = UploadQuota(
                user: sender,
                since: now.adding(milliseconds: -Self.quotaWindowMilliseconds),
                maxBytes: limits.maxBytesPerUserPerDay
            )
            try await files.insert(records, within: quota)
        } catch {
            await discard(staged)
            throw error
        }
        var sent: [Message] = []
        for (index, draft) in drafts.enumerated() {
            do {
                sent.append(try await messaging.submit(draft).message)
            } catch {
                try? await files.delete(ids: records[index...].map(\.id))
                await discard(Array(staged[index...]))
                throw error
            }
        }
        return sent
    }

    /// The file `caller` may download: they uploaded or received it and its message was not deleted. Anything else is
    /// `.notFound`, so a stranger cannot tell whether the file exists.
    public func download(_ caller: UserID, id: FileID) async throws -> FileRecord {
        let record = try await downloadByLink(id: id)
        guard record.uploaderID == caller || record.receiverID == caller else { throw ChatError.notFound("file not found") }
        return record
    }

    /// The file behind a signed link (its holder was given it by one of the two users): it exists and its message was
    /// not deleted. Anything else is `.notFound`.
    public func downloadByLink(id: FileID) async throws -> FileRecord {
        guard let record = try await files.file(id: id), let messageID = record.messageID,
            let message = try await messaging.messages.message(id: messageID), message.deletedAt == nil
        else { throw ChatError.notFound("file not found") }
        return record
    }

    /// The file's bytes, or `range` of them.
    public func bytes(of record: FileRecord, range: BlobRange? = nil) async throws -> BlobBody {
        try await blobs.get(key: record.storageKey, range: range)
    }

    /// A URL that downloads the file directly from the store, or nil when the store cannot sign.
    public func signedURL(for record: FileRecord, expiresIn: Duration) async throws -> URL? {
        try await blobs.signedURL(
            key: record.storageKey,
            expiresIn: expiresIn,
            fileName: record.attachment.name,
            contentType: record.attachment.contentType
        )
    }
}

/// What the inspection of an upload's first bytes found, shared between the body the store reads and the stager.
final class UploadInspection: Sendable {
    struct Result: Sendable {
        var type: DetectedFileType
        var dimensions: (width: Int, height: Int)?
    }

    private let state = Mutex<Result?>(nil)

    var result: Result? { state.withLock { $0 } }

    func record(_ result: Result) { state.withLock { $0 = result } }
}

/// An upload body that holds back its first `FileTypeDetector.sniffLength` bytes until their type is known, refuses
/// types not on the allowlist before the store keeps anything, and checks text files to the last byte.
struct InspectedChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]

    let base: BlobBody
    let inspection: UploadInspection

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), inspection: inspection) }

    struct Iterator: AsyncIteratorProtocol {
        var base: BlobBody.AsyncIterator
        let inspection: UploadInspection
        var type: DetectedFileType?
        var validator = UTF8StreamValidator()
        var ended = false

        mutating func next() async throws -> [UInt8]? {
            guard !ended else { return nil }
            guard let type else { return try await inspectPrefix() }
            guard let chunk = try await base.next() else {
                ended = true
                if type.isText, !validator.finish() { throw Self.unsupported }
                return nil
            }
            if type.isText, !validator.accept(chunk) { throw Self.unsupported }
            return chunk
        }

        private mutating func inspectPrefix() async throws -> [UInt8]? {
            var prefix: [UInt8] = []
            var complete = false
            while prefix.count < FileTypeDetector.sniffLength {
                guard let chunk = try await base.next() else {
                    complete = true
                    break
                }
                prefix += chunk
            }
            guard let detected = FileTypeDetector.detect(prefix, isComplete: complete) else { throw Self.unsupported }
            type = detected
            let dimensions = FileTypeDetector.imageDimensions(prefix, type: detected)
            inspection.record(.init(type: detected, dimensions: dimensions))
            if detected.isText, !validator.accept(prefix) { throw Self.unsupported }
            if complete {
                ended = true
                if detected.isText, !validator.finish() { throw Self.unsupported }
            }
            return prefix.isEmpty && complete ? nil : prefix
        }

        static var unsupported: ChatError {
            ChatError(
                .unsupportedMediaType,
                "unsupported or unknown file type: allowed are images, video, audio, PDF, Office documents, text and zip"
            )
        }
    }
}
