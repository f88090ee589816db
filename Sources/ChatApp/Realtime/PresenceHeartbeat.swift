import ChatCore
import Logging
import ServiceLifecycle

/// Keeps this node alive in the presence store and, on every node, sweeps nodes that stopped heartbeating (crashed), so
/// their users go offline within the TTL and their friends are told. Each beat also disconnects local sockets whose
/// token has expired.
struct PresenceHeartbeat: Service {
    let presence: any PresenceStore
    let realtime: ChatRealtime
    let nodeID: String
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await beat()
                try? await Task.sleep(for: interval)
            }
        }
    }

    func beat() async {
        let now = Timestamp.now()
        realtime.disconnectExpiredSockets(at: now)
        do {
            try await presence.heartbeat(node: nodeID, at: now)
            for change in try await presence.sweepExpiredNodes(at: now) {
                await realtime.announce(change)
            }
        } catch {
            logger.warning("presence heartbeat failed", metadata: ["error": "\(error)"])
        }
    }
}
