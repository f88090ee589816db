import Synchronization

/// Something the timer wheel drives: an Engine.IO connection, or a stand-in in tests.
protocol EngineIOTimerTarget: AnyObject, Sendable {
    /// Does the work due at `now`; returns when to be called next, or `nil` to leave the wheel.
    func fireTimers(now: ContinuousClock.Instant) -> ContinuousClock.Instant?
}

/// The heartbeat and upgrade deadlines of every session of one server, kept on one task.
///
/// A session is an entry in a slot of a hashed wheel: an idle connection costs a few words here instead of a sleeping
/// task of its own (a task keeps the memory of its deepest call stack for as long as it lives). The wheel turns in
/// ticks of ``granularity``; a deadline fires at the first tick at or after it, so at most one tick late and never
/// early. With nothing scheduled the task sleeps until something is.
final class EngineIOTimerWheel<Target: EngineIOTimerTarget>: Sendable {
    private struct State {
        /// The sessions due at each tick number.
        var slots: [Int64: [Target]] = [:]
        /// The tick of each scheduled session, so a closed session leaves at once.
        var scheduled: [ObjectIdentifier: Int64] = [:]
        /// The run loop, parked because nothing is scheduled.
        var parked: CheckedContinuation<Void, Never>?
        /// The last tick fired; later schedules land after it.
        var done: Int64 = 0
        var finished = false
    }

    /// The length of a tick.
    let granularity: Duration
    private let granularityNanoseconds: Int64
    private let origin: ContinuousClock.Instant
    private let state = Mutex(State())

    /// A wheel for a server's sessions: a tick is a twentieth of the shortest heartbeat or upgrade timeout, between 1
    /// and 100 milliseconds.
    convenience init(configuration: EngineIOConfiguration) {
        let shortest = min(configuration.pingInterval, configuration.pingTimeout, configuration.upgradeTimeout)
        self.init(granularity: min(max(shortest / 20, .milliseconds(1)), .milliseconds(100)))
    }

    /// A wheel turning every `granularity` (at least a millisecond), counted from `origin`.
    init(granularity: Duration, origin: ContinuousClock.Instant = .now) {
        self.granularity = max(granularity, .milliseconds(1))
        self.granularityNanoseconds = Self.nanoseconds(self.granularity)
        self.origin = origin
        self.state.withLock { $0.done = self.tick(atOrBefore: origin) }
    }

    /// The number of scheduled sessions.
    var count: Int { self.state.withLock { $0.scheduled.count } }

    /// Schedules `target` at `deadline`, replacing its earlier entry.
    func schedule(_ target: Target, at deadline: ContinuousClock.Instant) {
        let covering = self.tick(covering: deadline)
        let parked = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.finished else { return nil }
            Self.remove(target, from: &state)
            let tick = max(covering, state.done + 1)
            state.slots[tick, default: []].append(target)
            state.scheduled[ObjectIdentifier(target)] = tick
            defer { state.parked = nil }
            return state.parked
        }
        parked?.resume()
    }

    /// Forgets `target` (it closed).
    func cancel(_ target: Target) {
        self.state.withLock { Self.remove(target, from: &$0) }
    }

    /// Stops the wheel: ``run()`` returns and nothing more is scheduled.
    func finish() {
        let parked = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            state.slots = [:]
            state.scheduled = [:]
            defer { state.parked = nil }
            return state.parked
        }
        parked?.resume()
    }

    /// Fires due sessions until ``finish()`` or cancellation. Each fired session advances its timers and is scheduled
    /// again at its next deadline.
    func run() async {
        let clock = ContinuousClock()
        while !Task.isCancelled {
            guard await self.waitForWork() else { return }
            let now = clock.now
            let current = self.tick(atOrBefore: now)
            let due = self.state.withLock { state -> [Target] in
                var due: [Target] = []
                if current - state.done > Int64(state.slots.count) {
                    // After a park the wheel skipped ticks that held nothing: visit only the occupied ones.
                    for (tick, targets) in state.slots where tick <= current {
                        due += targets
                        state.slots[tick] = nil
                    }
                } else if state.done < current {
                    for tick in (state.done + 1)...current {
                        if let targets = state.slots.removeValue(forKey: tick) { due += targets }
                    }
                }
                state.done = max(state.done, current)
                for target in due { state.scheduled[ObjectIdentifier(target)] = nil }
                return due
            }
            for target in due {
                if let next = target.fireTimers(now: now) { self.schedule(target, at: next) }
            }
            do {
                try await clock.sleep(until: self.instant(ofTick: current + 1), tolerance: self.granularity / 10)
            } catch {
                return
            }
        }
    }

    /// Parks while nothing is scheduled; returns `false` once the wheel is finished or the task cancelled.
    private func waitForWork() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let idle = self.state.withLock { state -> Bool in
                    guard !state.finished, state.scheduled.isEmpty, !Task.isCancelled else { return false }
                    state.parked = continuation
                    return true
                }
                if !idle { continuation.resume() }
            }
        } onCancel: {
            let parked = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.parked = nil }
                return state.parked
            }
            parked?.resume()
        }
        return !Task.isCancelled && !self.state.withLock { $0.finished }
    }

    private static func remove(_ target: Target, from state: inout State) {
        guard let tick = state.scheduled.removeValue(forKey: ObjectIdentifier(target)) else { return }
        state.slots[tick]?.removeAll { $0 === target }
        if state.slots[tick]?.isEmpty == true { state.slots[tick] = nil }
    }

    /// The first tick at or after `instant`.
    func tick(covering instant: ContinuousClock.Instant) -> Int64 {
        let offset = Self.nanoseconds(instant - self.origin)
        let (quotient, remainder) = offset.quotientAndRemainder(dividingBy: self.granularityNanoseconds)
        return remainder > 0 ? quotient + 1 : quotient
    }

    /// The last tick at or before `instant`.
    func tick(atOrBefore instant: ContinuousClock.Instant) -> Int64 {
        let tick = self.tick(covering: instant)
        return self.instant(ofTick: tick) > instant ? tick - 1 : tick
    }

    func instant(ofTick tick: Int64) -> ContinuousClock.Instant {
        self.origin + .nanoseconds(tick * self.granularityNanoseconds)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
