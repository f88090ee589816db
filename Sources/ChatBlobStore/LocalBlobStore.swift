import ChatCore
import Crypto
import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `BlobStore` on the local disk: blob `a/b` is the file `<root>/a/b`.
///
/// A `put` writes to a hidden temporary file (`.upload-<random>`) in the blob's own directory, so the final `rename`
/// is atomic, and removes it on any failure or cancellation: readers never see a partial file. Blocking file calls run
/// on NIO's blocking thread pool (`NIOThreadPool`), never on the caller's executor; writes are batched into 256 KiB
/// so a stream of small chunks does not hop threads per chunk. The store cannot sign URLs: the app streams reads
/// (with ranges) itself.
public struct LocalBlobStore: BlobStore {
    /// The directory holding the blobs.
    public let root: String
    /// Whether a `put` flushes the file (`fsync`) before its rename and the directory after it, so a blob whose upload
    /// was answered survives a power loss, at the cost of latency.
    public let syncToDisk: Bool
    let threadPool: NIOThreadPool
    static let writeBatch = 256 * 1024
    static let readChunk = 64 * 1024

    /// - Parameters:
    ///   - root: the directory of the blobs, created on the first `put` (default `./data/files`).
    ///   - syncToDisk: `fsync` each file before it becomes visible, and its directory after.
    public init(root: String = "./data/files", syncToDisk: Bool = true, threadPool: NIOThreadPool = .singleton) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.syncToDisk = syncToDisk
        self.threadPool = threadPool
    }

    func path(of key: String) -> String { "\(root)/\(key)" }

    public func put(key: String, body: BlobBody, contentType: String?, maxBytes: Int64) async throws -> BlobInfo {
        try BlobKey.validate(key)
        let destination = path(of: key)
        let directory = String(destination[..<(destination.lastIndex(of: "/") ?? destination.startIndex)])
        let temporary = "\(directory)/.upload-\(BlobKey.random(prefix: ""))"
        let descriptor = try await threadPool.runIfActive { try Self.createFile(temporary, in: directory) }
        var isOpen = true
        var hasher = SHA256()
        var size: Int64 = 0
        var buffer: [UInt8] = []
        buffer.reserveCapacity(Self.writeBatch + Self.readChunk)
        do {
            for try await chunk in body {
                try Task.checkCancellation()
                size += Int64(chunk.count)
                guard size <= maxBytes else { throw ChatError(.payloadTooLarge, "the file is larger than \(maxBytes) bytes") }
                hasher.update(data: chunk)
                buffer += chunk
                if buffer.count >= Self.writeBatch {
                    let batch = buffer
                    try await threadPool.runIfActive { try Self.writeAll(batch, to: descriptor) }
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            // A cancelled body may just end early (AsyncStream does): never publish it.
            try Task.checkCancellation()
            let rest = buffer
            let sync = syncToDisk
            isOpen = false  // finish closes the descriptor whatever happens
            try await threadPool.runIfActive {
                try Self.finish(writing: rest, to: descriptor, sync: sync)
                try Self.check(rename(temporary, destination), "rename \(key)")
                if sync { try Self.syncDirectory(directory) }
            }
        } catch {
            // Synchronous on purpose: the thread pool refuses work for a cancelled task, and these calls are short.
            if isOpen { _ = close(descriptor) }
            _ = unlink(temporary)
            throw error
        }
        return BlobInfo(key: key, size: size, sha256: S3Signer.hex(hasher.finalize()))
    }

    public func get(key: String, range: BlobRange?) async throws -> BlobBody {
        try BlobKey.validate(key)
        let path = path(of: key)
        guard let size = try await threadPool.runIfActive({ try Self.fileSize(path) }) else { throw ChatError.notFound("no blob \(key)") }
        let bounds = try range.map { try $0.resolved(size: size) } ?? 0..<size
        return BlobBody(LocalFileChunks(path: path, bounds: bounds, threadPool: threadPool))
    }

    public func head(key: String) async throws -> BlobMetadata? {
        try BlobKey.validate(key)
        let path = path(of: key)
        return try await threadPool.runIfActive { try Self.fileSize(path) }.map { BlobMetadata(key: key, size: $0, contentType: nil) }
    }

    public func delete(key: String) async throws {
        try BlobKey.validate(key)
        let path = path(of: key)
        try await threadPool.runIfActive {
            guard unlink(path) == 0 || errno == ENOENT else { throw Self.posixError("delete", errno) }
        }
    }

    /// Always nil: local files are streamed by the app, which checks who may read them.
    public func signedURL(key: String, expiresIn: Duration, fileName: String?, contentType: String?) async throws -> URL? {
        try BlobKey.validate(key)
        return nil
    }

    // MARK: Blocking helpers (run on the thread pool)

    static func createFile(_ path: String, in directory: String) throws -> Int32 {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw posixError("create \(path)", errno) }
        return descriptor
    }

    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress.map { $0 + written }, bytes.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw posixError("write", errno)
            }
            written += result
        }
    }

    /// Flushes a directory's entries (a rename into it) to the disk.
    static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError("open \(path)", errno) }
        defer { _ = close(descriptor) }
        try check(fsync(descriptor), "fsync \(path)")
    }

    static func finish(writing bytes: [UInt8], to descriptor: Int32, sync: Bool) throws {
        defer { _ = close(descriptor) }
        try writeAll(bytes, to: descriptor)
        if sync { try check(fsync(descriptor), "fsync") }
    }

    /// The size of the regular file at `path`, or nil when there is none.
    static func fileSize(_ path: String) throws -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw posixError("stat", errno)
        }
        return (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : nil
    }

    static func check(_ result: Int32, _ operation: String) throws {
        guard result == 0 else { throw posixError(operation, errno) }
    }

    static func posixError(_ operation: String, _ code: Int32) -> ChatError {
        ChatError(.internalError, "local blob store: \(operation) failed: \(String(cString: strerror(code)))")
    }
}
