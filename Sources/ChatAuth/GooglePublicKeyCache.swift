import ChatCore
import JWTKit

/// Google's Firebase token-signing keys, fetched from a `FirebaseCertificateSource` and cached.
///
/// A fetched set is kept for the response's `max-age`, clamped between the minimum refresh interval and the maximum
/// lifetime (the default lifetime when it has none). A `kid` the set does not hold triggers one refresh, but fetches
/// start at most once per minimum refresh interval, so tokens with made-up key ids cannot make us hammer Google.
/// Concurrent callers share one in-flight fetch. When a fetch fails, a set whose lifetime ran out less than the
/// maximum lifetime ago keeps being used; without one, the failure is `ChatError(.unavailable)`.
actor GooglePublicKeyCache {
    /// One fetched certificate set as a key collection, and when it must be refreshed.
    struct KeySet: Sendable {
        let keys: JWTKeyCollection
        let keyIDs: Set<String>
        let expiresAt: Timestamp
    }

    private let source: any FirebaseCertificateSource
    private let clock: ChatClock
    private let defaultLifetime: Int64
    private let maxLifetime: Int64
    private let minimumInterval: Int64
    private var current: KeySet?
    private var inFlight: Task<KeySet, any Error>?
    private var lastFetchStartedAt: Timestamp?

    init(source: any FirebaseCertificateSource, configuration: FirebaseConfiguration, clock: ChatClock) {
        self.source = source
        self.clock = clock
        self.defaultLifetime = configuration.defaultCacheLifetime.milliseconds
        self.maxLifetime = configuration.maxCacheLifetime.milliseconds
        self.minimumInterval = configuration.minimumRefreshInterval.milliseconds
    }

    /// A key collection holding `keyID`, or nil when Google does not publish that key. Throws
    /// `ChatError(.unavailable)` when the keys cannot be fetched and no usable cached set holds it.
    func keys(for keyID: String) async throws -> JWTKeyCollection? {
        let now = clock.now()
        if let current, now < current.expiresAt {
            if current.keyIDs.contains(keyID) { return current.keys }
            // An unknown key id in a fresh set: a rotation may have happened, refresh once unless we just did.
            guard inFlight != nil || mayFetch(at: now) else { return nil }
        }
        let fresh: KeySet
        do {
            fresh = try await refresh(at: now)
        } catch {
            if let current, current.keyIDs.contains(keyID), now < current.expiresAt.adding(milliseconds: maxLifetime) {
                return current.keys
            }
            throw ChatError(.unavailable, "identity provider keys unavailable")
        }
        return fresh.keyIDs.contains(keyID) ? fresh.keys : nil
    }

    private func mayFetch(at now: Timestamp) -> Bool {
        guard let lastFetchStartedAt else { return true }
        return now >= lastFetchStartedAt.adding(milliseconds: minimumInterval)
    }

    /// Joins the fetch in flight or starts one when the rate limit allows; throws when it does not.
    private func refresh(at now: Timestamp) async throws -> KeySet {
        if let inFlight { return try await inFlight.value }
        guard mayFetch(at: now) else { throw ChatError(.unavailable, "certificate fetch rate-limited") }
        lastFetchStartedAt = now
        let source = source
        let clock = clock
        let lifetimes = (minimum: minimumInterval, fallback: defaultLifetime, maximum: maxLifetime)
        // Not fire-and-forget: every caller awaits this task, the first one clears it.
        let task = Task { try await Self.load(from: source, clock: clock, lifetimes: lifetimes) }
        inFlight = task
        defer { inFlight = nil }
        let fresh = try await task.value
        current = fresh
        return fresh
    }

    private static func load(
        from source: any FirebaseCertificateSource,
        clock: ChatClock,
        lifetimes: (minimum: Int64, fallback: Int64, maximum: Int64)
    ) async throws -> KeySet {
        let (certificates, maxAge) = try await source.fetch()
        let keys = JWTKeyCollection()
        var keyIDs = Set<String>()
        for (keyID, pem) in certificates where !keyID.isEmpty {
            // A certificate that does not parse (or holds a key under 2048 bits) is left out, not fatal: the others
            // still verify tokens.
            guard let key = try? JWTKit.Insecure.RSA.PublicKey(certificatePEM: pem) else { continue }
            await keys.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID))
            keyIDs.insert(keyID)
        }
        guard !keyIDs.isEmpty else { throw HTTPFirebaseCertificateSource.FetchError(message: "no usable certificate") }
        let lifetime = min(max(maxAge?.milliseconds ?? lifetimes.fallback, lifetimes.minimum), lifetimes.maximum)
        return KeySet(keys: keys, keyIDs: keyIDs, expiresAt: clock.now().adding(milliseconds: lifetime))
    }
}
