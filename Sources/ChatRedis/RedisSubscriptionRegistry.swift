import NIOCore
import Synchronization

/// The subscriptions of one client and its dedicated pub/sub connection.
///
/// Consumers register sinks; each channel or pattern is subscribed on the wire once however many consumers share it,
/// unsubscribed when the last one leaves, and subscribed again on every new connection, so consumers keep their streams
/// across reconnects. Pushes are handled on the event loop and go straight into the sinks, with no task in between.
final class RedisSubscriptionRegistry: Sendable {
    struct Key: Hashable, Sendable {
        var kind: RedisSubscriptionKind
        var name: String
    }

    struct Registration: Sendable {
        var keys: [Key]
        var deliver: @Sendable (RedisPubSubMessage) -> Void
        var finish: @Sendable () -> Void
    }

    private struct State {
        var registrations: [Int: Registration] = [:]
        var references: [Key: Int] = [:]
        var confirmed: Set<Key> = []
        var waiters: [Key: [Int: CheckedContinuation<Void, any Error>]] = [:]
        var connection: RedisConnection?
        var nextID = 0
        var finished = false
    }

    private let state = Mutex(State())

    /// Adds a sink and subscribes the keys nobody had subscribed yet. Returns nil when the client has shut down.
    func register(_ registration: Registration) -> Int? {
        let (id, connection, newKeys): (Int?, RedisConnection?, [Key]) = state.withLock { state in
            guard !state.finished else { return (nil, nil, []) }
            let id = state.nextID
            state.nextID += 1
            state.registrations[id] = registration
            var newKeys: [Key] = []
            for key in registration.keys {
                state.references[key, default: 0] += 1
                if state.references[key] == 1 { newKeys.append(key) }
            }
            return (id, state.connection, newKeys)
        }
        if let connection { Self.send(newKeys, subscribe: true, on: connection) }
        return id
    }

    /// Removes a sink and unsubscribes the keys it was the last to hold.
    func unregister(_ id: Int) {
        let (connection, goneKeys): (RedisConnection?, [Key]) = state.withLock { state in
            guard let registration = state.registrations.removeValue(forKey: id) else { return (nil, []) }
            var goneKeys: [Key] = []
            for key in registration.keys {
                state.references[key, default: 1] -= 1
                if state.references[key] == 0 {
                    state.references[key] = nil
                    state.confirmed.remove(key)
                    goneKeys.append(key)
                }
            }
            return (state.connection, goneKeys)
        }
        if let connection { Self.send(goneKeys, subscribe: false, on: connection) }
    }

    /// Waits until the server has confirmed `key` on the current connection (or a later one).
    func waitForConfirmation(of key: Key) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let result: Result<Void, any Error>? = state.withLock { state in
                    if state.finished { return .failure(RedisError.clientShutdown) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.confirmed.contains(key) { return .success(()) }
                    state.waiters[key, default: [:]][id] = continuation
                    return nil
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            let continuation = state.withLock { $0.waiters[key]?.removeValue(forKey: id) }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// A new pub/sub connection: subscribe everything again.
    func connected(_ connection: RedisConnection) {
        let keys: [Key]? = state.withLock { state in
            guard !state.finished else { return nil }
            state.connection = connection
            state.confirmed = []
            return Array(state.references.keys)
        }
        guard let keys else {
            connection.channel.close(promise: nil)
            return
        }
        Self.send(keys, subscribe: true, on: connection)
    }

    func disconnected(_ connection: RedisConnection) {
        state.withLock { state in
            guard state.connection === connection else { return }
            state.connection = nil
            state.confirmed = []
        }
    }

    /// Ends every stream and fails every waiter.
    func finish() {
        let (registrations, waiters) = state.withLock { state in
            state.finished = true
            state.connection = nil
            defer {
                state.registrations = [:]
                state.waiters = [:]
                state.references = [:]
            }
            return (Array(state.registrations.values), state.waiters.values.flatMap(\.values))
        }
        for registration in registrations { registration.finish() }
        for waiter in waiters { waiter.resume(throwing: RedisError.clientShutdown) }
    }

    /// Called on the event loop for every push of the pub/sub connection.
    func handlePush(_ items: [RESPValue]) {
        guard let kind = items.first?.string else { return }
        switch kind {
        case "message", "smessage":
            guard items.count >= 3, let channel = items[1].string, let payload = items[2].bytes else { return }
            deliver(RedisPubSubMessage(channel: channel, payload: payload), to: Key(kind: kind == "message" ? .channel : .shard, name: channel))
        case "pmessage":
            guard items.count >= 4, let pattern = items[1].string, let channel = items[2].string, let payload = items[3].bytes else { return }
            deliver(RedisPubSubMessage(channel: channel, pattern: pattern, payload: payload), to: Key(kind: .pattern, name: pattern))
        default:
            guard let subscriptionKind = RedisSubscriptionKind(confirmation: kind), items.count >= 2, let name = items[1].string else { return }
            let key = Key(kind: subscriptionKind, name: name)
            let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
                guard state.references[key] != nil else { return [] }
                state.confirmed.insert(key)
                return state.waiters.removeValue(forKey: key).map { Array($0.values) } ?? []
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    private func deliver(_ message: RedisPubSubMessage, to key: Key) {
        let sinks = state.withLock { state in
            state.registrations.values.filter { $0.keys.contains(key) }.map(\.deliver)
        }
        for sink in sinks { sink(message) }
    }

    private static func send(_ keys: [Key], subscribe: Bool, on connection: RedisConnection) {
        for kind in RedisSubscriptionKind.allCases {
            let names = keys.filter { $0.kind == kind }.map(\.name)
            guard !names.isEmpty else { continue }
            let command = subscribe ? kind.subscribeCommand : kind.unsubscribeCommand
            if kind == .shard {
                // Sharded channels of one command must share a hash slot; one command each is always valid.
                for name in names { connection.sendWithoutReply(RedisCommand(command, name)) }
            } else {
                connection.sendWithoutReply(RedisCommand(command, names))
            }
        }
    }
}
