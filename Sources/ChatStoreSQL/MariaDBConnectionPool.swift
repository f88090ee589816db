#if MariaDB
import ChatCore
import NIOPosix

/// At most `poolSize` MariaDB connections, opened on demand and lent to one session at a time; waiters are served in
/// order. Connector/C blocks, so every call runs on the pool's own threads (one per connection), never on an event loop
/// or the cooperative pool.
actor MariaDBConnectionPool {
    nonisolated let threadPool: NIOThreadPool
    private let configuration: MariaDBConfiguration
    /// Connections waiting for a session, with the time each came back.
    private var idle: [(connection: MariaDBConnection, since: ContinuousClock.Instant)] = []

    /// Connections open or being opened, lent or idle.
    private var open = 0
    /// Each resumes with a connection, or with nil when a slot freed up and the waiter may open its own.
    private var waiters: [CheckedContinuation<MariaDBConnection?, any Error>] = []
    private var closed = false

    init(configuration: MariaDBConfiguration) {
        self.configuration = configuration
        self.threadPool = NIOThreadPool(numberOfThreads: max(configuration.poolSize, 1))
        threadPool.start()
    }

    /// A connection for the caller alone until it passes it to `release(_:)`.
    func lease() async throws -> MariaDBConnection {
        guard !closed else { throw Self.closedError }
        while let (connection, since) = idle.popLast() {
            if since.duration(to: .now) < configuration.pingAfterIdle { return connection }
            if (try? await threadPool.runIfActive { connection.isAlive() }) == true { return connection }
            open -= 1
        }
        if open < configuration.poolSize {
            open += 1
            return try await connect()
        }
        if let connection = try await withCheckedThrowingContinuation({ waiters.append($0) }) { return connection }
        return try await connect()
    }

    /// Takes the connection back: to the next waiter, to the idle list, or closed when it is broken.
    func release(_ connection: MariaDBConnection) {
        guard !connection.isBroken, !closed else {
            open -= 1
            passFreedSlot()
            return
        }
        if waiters.isEmpty {
            idle.append((connection, .now))
        } else {
            waiters.removeFirst().resume(returning: connection)
        }
    }

    /// Closes the idle connections, fails the waiters and stops the threads; connections still lent are closed when
    /// they come back.
    func close() async {
        closed = true
        idle.removeAll()
        for waiter in waiters { waiter.resume(throwing: Self.closedError) }
        waiters.removeAll()
        try? await threadPool.shutdownGracefully()
    }

    /// Opens a connection in a slot already counted in `open`; gives the slot back when it fails.
    private func connect() async throws -> MariaDBConnection {
        do {
            return try await threadPool.runIfActive { [configuration] in try MariaDBConnection.connect(configuration) }
        } catch {
            open -= 1
            passFreedSlot()
            throw error
        }
    }

    private func passFreedSlot() {
        guard !waiters.isEmpty, !closed else { return }
        open += 1
        waiters.removeFirst().resume(returning: nil)
    }

    private static let closedError = ChatError(.unavailable, "the MariaDB connection pool is closed")
}
#endif
