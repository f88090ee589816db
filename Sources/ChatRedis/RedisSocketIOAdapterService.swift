import Foundation
import Logging
import ServiceLifecycle
import SocketIO

/// This node's side of the Redis Socket.IO adapter: it creates one ``RedisSocketIOAdapter`` per namespace and, as a
/// `Service`, runs the work that messages from other nodes start (answering requests, server-side-emit handlers).
///
/// ```swift
/// let adapters = RedisSocketIOAdapterService(client: redis, keys: RedisKeys(prefix: "chatblizz"), logger: logger)
/// let io = SocketIOServer(adapter: { adapters.makeAdapter(for: $0) })
/// // services: [redis, adapters, SocketIOService(server: io), …]
/// ```
///
/// Give every node its own ``RedisClient``: the number of nodes that must answer a request is the number of Redis
/// connections subscribed to the namespace's request channel (`PUBSUB NUMSUB`), one per client.
public final class RedisSocketIOAdapterService: Service, Sendable {
    /// This process's unique id in the cluster; messages carry it, and a node ignores its own.
    public let uid: String
    /// How long `fetchSockets` and `serverSideEmitWithAck` wait for the other nodes.
    public let requestTimeout: Duration
    let client: RedisClient
    let keys: RedisKeys
    let logger: Logger
    private let jobs: AsyncStream<@Sendable () async -> Void>
    private let jobsContinuation: AsyncStream<@Sendable () async -> Void>.Continuation

    /// - Parameters:
    ///   - keys: where the channel names come from (`<prefix>:socket.io#<namespace>#` and so on).
    ///   - requestTimeout: how long a request waits for the other nodes' answers (default 5 s).
    ///   - maxPendingJobs: work from other nodes queued while this service is not running or is behind; more is dropped
    ///     with a warning.
    public init(
        client: RedisClient,
        keys: RedisKeys = RedisKeys(),
        uid: String = UUID().uuidString.lowercased(),
        requestTimeout: Duration = .seconds(5),
        maxPendingJobs: Int = 10_000,
        logger: Logger = Logger(label: "chatblizz.redis.socketio")
    ) {
        self.client = client
        self.keys = keys
        self.uid = uid
        self.requestTimeout = requestTimeout
        var logger = logger
        logger[metadataKey: "sio.node"] = "\(uid)"
        self.logger = logger
        (self.jobs, self.jobsContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(maxPendingJobs))
    }

    /// The adapter of one namespace; pass it to `SocketIOServer(adapter:)` as `{ service.makeAdapter(for: $0) }`.
    public func makeAdapter(for namespace: any SocketIOAdapterNamespace) -> RedisSocketIOAdapter {
        RedisSocketIOAdapter(namespace: namespace, node: self)
    }

    /// Runs the work started by other nodes' messages until graceful shutdown.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await job in self.jobs.cancelOnGracefulShutdown() {
                group.addTask { await job() }
            }
        }
    }

    /// Queues work for ``run()``; called from the pub/sub event loop, which must not wait.
    func enqueue(_ job: @escaping @Sendable () async -> Void) {
        if case .dropped = self.jobsContinuation.yield(job) {
            self.logger.warning("Socket.IO adapter work queue full; dropped a request from another node")
        }
    }
}

extension RedisKeys {
    /// The pub/sub channel of a namespace's broadcasts: `chatblizz:socket.io#<namespace>#`.
    public func socketIOBroadcastChannel(namespace: String) -> String { "\(prefix):socket.io#\(namespace)#" }

    /// The channel every node of a namespace listens on for requests (fetch sockets, room updates, server-side emits):
    /// `chatblizz:socket.io-request#<namespace>#`. Its subscriber count is the number of nodes.
    public func socketIORequestChannel(namespace: String) -> String { "\(prefix):socket.io-request#\(namespace)#" }

    /// The channel one node receives its answers on: `chatblizz:socket.io-response#<namespace>#<uid>#`.
    public func socketIOResponseChannel(namespace: String, uid: String) -> String {
        "\(prefix):socket.io-response#\(namespace)#\(uid)#"
    }
}
