import ChatCore
import Logging
import ServiceLifecycle

/// Re-checks this node's cached messaging permissions before they expire, many pairs per store query, so that pairs
/// exchanging messages keep their cached answer and no message waits for the check (see `MessagingPermissionCache`).
///
/// A failed re-check is logged and costs nothing else: the entries expire as usual and the next message of the pair
/// checks the store itself.
struct PermissionRefresher: Service {
    let friends: FriendshipService
    let requests: AsyncStream<Void>
    let logger: Logger

    /// The refresher of `friends`' permission cache, or nil when permissions are not cached.
    init?(friends: FriendshipService, logger: Logger) {
        guard let requests = friends.permissionRefreshRequests else { return nil }
        self.friends = friends
        self.requests = requests
        self.logger = logger
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in self.requests { await self.refreshAllDue() }
        }
    }

    /// Re-checks every pair that is due, in batches, until none is left.
    func refreshAllDue() async {
        do {
            while try await self.friends.refreshDuePermissions() > 0 {}
        } catch {
            self.logger.warning("could not re-check cached messaging permissions", metadata: ["error": "\(error)"])
        }
    }
}
