import Synchronization

/// A Lua script run with `EVALSHA`; it is loaded with `SCRIPT LOAD` on first use and again after the server forgot it
/// (`NOSCRIPT`, e.g. after a restart), so only its SHA travels on every call.
public final class RedisScript: Sendable {
    /// The Lua source.
    public let source: String
    private let sha = Mutex<String?>(nil)

    /// A script; nothing is sent until it first runs.
    public init(_ source: String) { self.source = source }

    /// Runs the script.
    /// - Throws: ``RedisError``; a Lua error comes back as `server`.
    public func run(on client: RedisClient, keys: [String], arguments: [String]) async throws -> RESPValue {
        for attempt in 0..<2 {
            let known = try await loadedSHA(client: client, reload: attempt > 0)
            var command = RedisCommand("EVALSHA")
            command.append(known)
            command.append(keys.count)
            for key in keys { command.append(key) }
            for argument in arguments { command.append(argument) }
            do {
                return try await client.send(command)
            } catch let error as RedisError where error.serverErrorPrefix == "NOSCRIPT" && attempt == 0 {
                continue
            }
        }
        throw RedisError.server("NOSCRIPT after reloading the script")
    }

    private func loadedSHA(client: RedisClient, reload: Bool) async throws -> String {
        if !reload, let known = sha.withLock({ $0 }) { return known }
        let reply = try await client.send(RedisCommand("SCRIPT", "LOAD", source))
        guard let loaded = reply.string else { throw RedisError.unexpectedReply(reply) }
        sha.withLock { $0 = loaded }
        return loaded
    }
}
