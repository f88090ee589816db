import DequeModule

/// Connection-state-recovery bookkeeping for one namespace: the log of emitted packets with their offsets, and the
/// sessions of recently disconnected sockets.
///
/// A pure value: time is passed in, nothing is scheduled. Entries older than `maxDisconnectionDuration`, and the oldest
/// entries beyond `maxPackets`, are pruned whenever a packet is recorded; expired sessions at most once a second.
public struct SocketIORecoveryStore: Sendable {
    /// A disconnected socket that may be restored.
    public struct Session: Sendable, Hashable {
        /// The public socket id, kept on restore.
        public var sid: String
        /// The private session id the client presents.
        public var pid: String
        /// The rooms to re-join (including the socket id).
        public var rooms: Set<String>
        /// The socket's `data`.
        public var data: JSONValue
        /// When the socket disconnected.
        public var disconnectedAt: ContinuousClock.Instant

        /// Creates a session.
        public init(sid: String, pid: String, rooms: Set<String>, data: JSONValue, disconnectedAt: ContinuousClock.Instant) {
            self.sid = sid
            self.pid = pid
            self.rooms = rooms
            self.data = data
            self.disconnectedAt = disconnectedAt
        }
    }

    struct Entry: Sendable {
        var offset: String
        var packet: SocketIOPacket
        var target: SocketIOBroadcastTarget
        var emittedAt: ContinuousClock.Instant
    }

    /// The disconnect reasons after which a session is kept.
    public static let recoverableReasons: Set<String> = [
        "transport error", "transport close", "forced close", "ping timeout", "server shutting down", "forced server close",
    ]

    let maxDisconnectionDuration: Duration
    let maxPackets: Int
    var entries: Deque<Entry> = []
    /// `entries[i].emittedAt`, kept apart so that pruning, which runs at every record, reads a time without copying
    /// (retaining and releasing) the entry around it.
    var emittedAt: Deque<ContinuousClock.Instant> = []
    var sessions: [String: Session] = [:]
    var sessionsPrunedAt: ContinuousClock.Instant?
    var lastMillis: Int64 = -1
    /// The offset of the first packet of `lastMillis`; the others of that millisecond add `.sequence`.
    var lastBase = ""
    var sequence = 0

    /// Creates an empty store that keeps at most `maxPackets` packets.
    public init(maxDisconnectionDuration: Duration, maxPackets: Int = 10_000) {
        self.maxDisconnectionDuration = maxDisconnectionDuration
        self.maxPackets = max(1, maxPackets)
    }

    /// Logs an EVENT and returns it with its offset appended as the last argument.
    ///
    /// - Parameter wallClockMillis: milliseconds since 1970, used to build the yeast-style offset.
    public mutating func record(
        _ packet: SocketIOPacket,
        target: SocketIOBroadcastTarget,
        now: ContinuousClock.Instant,
        wallClockMillis: Int64
    ) -> SocketIOPacket {
        var stamped = packet
        self.record(&stamped, target: target, now: now, wallClockMillis: wallClockMillis)
        return stamped
    }

    /// Logs an EVENT after appending its offset as the last argument (in place: an event array made with room for it,
    /// and not shared, is not copied).
    ///
    /// - Parameter wallClockMillis: milliseconds since 1970, used to build the yeast-style offset.
    public mutating func record(
        _ stamped: inout SocketIOPacket,
        target: SocketIOBroadcastTarget,
        now: ContinuousClock.Instant,
        wallClockMillis: Int64
    ) {
        self.prune(now: now)
        let offset = self.nextOffset(wallClockMillis)
        stamped.appendOffset(offset)
        if self.entries.count >= self.maxPackets { self.removeOldest(self.entries.count - self.maxPackets + 1) }
        self.entries.append(Entry(offset: offset, packet: stamped, target: target, emittedAt: now))
        self.emittedAt.append(now)
    }

    /// Keeps a disconnected socket's session for later recovery.
    public mutating func persist(_ session: Session) {
        self.sessions[session.pid] = session
    }

    /// Restores a session: returns it and the packets it missed after `offset`, or `nil` (fresh connection).
    public mutating func restore(pid: String, offset: String, now: ContinuousClock.Instant) -> (Session, [SocketIOPacket])? {
        guard let session = self.sessions.removeValue(forKey: pid), now - session.disconnectedAt <= self.maxDisconnectionDuration,
            let index = self.entries.firstIndex(where: { $0.offset == offset })
        else { return nil }
        let missed = self.entries[(index + 1)...].filter { entry in
            (entry.target.rooms.isEmpty || !entry.target.rooms.isDisjoint(with: session.rooms))
                && entry.target.except.isDisjoint(with: session.rooms)
        }
        return (session, missed.map(\.packet))
    }

    /// Drops log entries older than `maxDisconnectionDuration`, and expired sessions (at most once a second, since that
    /// walks every kept session; `restore` checks a session's age itself).
    public mutating func prune(now: ContinuousClock.Instant) {
        var expired = 0
        for time in self.emittedAt {
            guard now - time > self.maxDisconnectionDuration else { break }
            expired += 1
        }
        if expired > 0 { self.removeOldest(expired) }
        if let last = self.sessionsPrunedAt, now - last < .seconds(1) { return }
        self.sessionsPrunedAt = now
        self.sessions = self.sessions.filter { now - $0.value.disconnectedAt <= self.maxDisconnectionDuration }
    }

    private mutating func removeOldest(_ count: Int) {
        self.entries.removeFirst(count)
        self.emittedAt.removeFirst(count)
    }

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_".utf8)

    /// The yeast-style offset: the milliseconds in base 64, then `.0`, `.1`, … for more packets in the same millisecond.
    private mutating func nextOffset(_ millis: Int64) -> String {
        if millis == self.lastMillis {
            defer { self.sequence += 1 }
            return self.lastBase + "." + String(self.sequence)
        }
        // At most 11 base-64 digits for a non-negative Int64.
        let base = String(unsafeUninitializedCapacity: 11) { buffer in
            var value = max(millis, 0)
            var count = 0
            repeat {
                buffer[count] = Self.alphabet[Int(value % 64)]
                value /= 64
                count += 1
            } while value > 0
            var digits = UnsafeMutableBufferPointer(rebasing: buffer[..<count])
            digits.reverse()
            return count
        }
        self.lastMillis = millis
        self.lastBase = base
        self.sequence = 0
        return base
    }
}
