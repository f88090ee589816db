import ChatCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes `bounds` of a file, read in 64 KiB chunks with `pread` on the thread pool. The file is opened on the
/// first `next()` and closed at the end, or when an abandoned iterator goes away.
struct LocalFileChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    typealias Failure = any Error

    let path: String
    let bounds: Range<Int64>
    let threadPool: NIOThreadPool

    func makeAsyncIterator() -> Iterator { Iterator(reader: Reader(path: path, bounds: bounds, threadPool: threadPool)) }

    struct Iterator: AsyncIteratorProtocol {
        let reader: Reader

        mutating func next() async throws -> [UInt8]? { try await reader.next() }
    }

    /// Owns the descriptor; a class so it is closed exactly once, in `deinit` if the reader is dropped early.
    final class Reader {
        private let path: String
        private var offset: Int64
        private let end: Int64
        private let threadPool: NIOThreadPool
        private var descriptor: Int32 = -1

        init(path: String, bounds: Range<Int64>, threadPool: NIOThreadPool) {
            self.path = path
            self.offset = bounds.lowerBound
            self.end = bounds.upperBound
            self.threadPool = threadPool
        }

        deinit { if descriptor >= 0 { _ = close(descriptor) } }

        func next() async throws -> [UInt8]? {
            guard offset < end else {
                closeFile()
                return nil
            }
            if descriptor < 0 {
                let path = path
                descriptor = try await threadPool.runIfActive {
                    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
                    guard descriptor >= 0 else {
                        if errno == ENOENT { throw ChatError.notFound("the blob was deleted while it was read") }
                        throw LocalBlobStore.posixError("open", errno)
                    }
                    return descriptor
                }
            }
            let (descriptor, offset) = (descriptor, offset)
            let count = Int(Swift.min(Int64(LocalBlobStore.readChunk), end - offset))
            let chunk = try await threadPool.runIfActive {
                var bytes = [UInt8](repeating: 0, count: count)
                while true {
                    let result = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
                    if result >= 0 { return Array(bytes.prefix(result)) }
                    if errno != EINTR { throw LocalBlobStore.posixError("read", errno) }
                }
            }
            guard !chunk.isEmpty else {
                // The file shrank under us: end here rather than spin.
                closeFile()
                return nil
            }
            self.offset += Int64(chunk.count)
            return chunk
        }

        private func closeFile() {
            if descriptor >= 0 { _ = close(descriptor) }
            descriptor = -1
        }
    }
}
