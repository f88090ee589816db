import ChatCore
import Logging
import ServiceLifecycle

/// Removes the stored bytes of deleted file messages. Every node runs one and hears every deletion (`RealtimeFanout`
/// hands it the `messageDeleted` events it receives from the bus), so with local disks the node that stored a file
/// removes it, and with S3 the first removal wins (the others find nothing).
///
/// It does not subscribe to the bus itself: a second subscriber would wake for every event, every message included.
/// The fan-out passes on file deletions only, through a bounded queue, so a slow blob store never holds up delivery.
/// The bus is best effort: a deletion announced while a node was cut off leaves that node's bytes in place (the file
/// still cannot be downloaded), and so does one that finds the queue full.
struct FileCleanup: Service {
    let files: FileService
    let logger: Logger
    private let deletions: AsyncStream<MessageID>
    private let continuation: AsyncStream<MessageID>.Continuation

    init(files: FileService, logger: Logger, capacity: Int = 10_000) {
        self.files = files
        self.logger = logger
        (self.deletions, self.continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(capacity))
    }

    /// Queues the removal of a deleted message's files; other messages are ignored.
    func messageDeleted(_ message: Message) {
        guard message.kind == .file else { return }
        self.continuation.yield(message.id)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await id in self.deletions { await self.removeBlobs(of: id) }
        }
        self.continuation.finish()
    }

    func removeBlobs(of message: MessageID) async {
        do {
            try await files.removeBlobs(ofDeletedMessage: message)
        } catch {
            logger.warning("could not remove a deleted message's file", metadata: ["chat.message.id": "\(message)", "error": "\(error)"])
        }
    }
}
