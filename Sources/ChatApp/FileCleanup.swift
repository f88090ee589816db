import ChatCore
import Logging
import ServiceLifecycle

/// Removes the stored bytes of deleted file messages. Every node runs one and hears every deletion on the event bus, so
/// with local disks the node that stored a file removes it, and with S3 the first removal wins (the others find nothing).
///
/// The bus is best effort: a deletion announced while a node was cut off leaves that node's bytes in place (the file
/// still cannot be downloaded).
struct FileCleanup: Service {
    let bus: any EventBus
    let files: FileService
    let logger: Logger

    func run() async throws {
        let events = await bus.subscribe()
        await cancelWhenGracefulShutdown {
            for await event in events {
                guard case .messageDeleted(let message) = event, message.kind == .file else { continue }
                await self.removeBlobs(of: message.id)
            }
        }
    }

    func removeBlobs(of message: MessageID) async {
        do {
            try await files.removeBlobs(ofDeletedMessage: message)
        } catch {
            logger.warning("could not remove a deleted message's file", metadata: ["chat.message.id": "\(message)", "error": "\(error)"])
        }
    }
}
