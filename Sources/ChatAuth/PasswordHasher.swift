import ChatCore
import Foundation
import HummingbirdBcrypt

/// Hashes and checks account passwords with bcrypt.
///
/// Password rules: 8 to 128 characters, at most 72 UTF-8 bytes, no NUL character. bcrypt reads only the first 72
/// bytes and the C implementation stops at a NUL, so longer passwords are rejected with a validation error rather
/// than silently truncated or pre-hashed; that keeps the stored hashes plain bcrypt, checkable by any other bcrypt
/// implementation. In practice this means up to 72 ASCII characters, fewer for non-ASCII text.
///
/// bcrypt is deliberately slow (about 250 ms at cost 12), so the work runs on a Dispatch global queue instead of a
/// thread of Swift's cooperative pool, which would otherwise stall every other task on that core for the duration.
public struct PasswordHasher: Sendable {
    /// The field name validation errors carry.
    public static let field = "password"
    /// Allowed length in characters.
    public static let lengthRange = 8...128
    /// bcrypt's input limit.
    public static let maxBytes = 72

    /// bcrypt's log2 work factor.
    public let cost: Int
    /// A hash of a random password at the same cost, checked against when the account is unknown so that a failed
    /// login takes as long whether or not the user exists.
    private let dummyHash: String

    /// Creates a hasher. `cost` must be in 4...31; 12 is the production default, tests use 4 to be fast.
    /// Computes one hash at this cost (the timing-equalising dummy), so it takes as long as one `hash` call.
    public init(cost: Int = 12) throws {
        guard (4...31).contains(cost) else { throw AuthConfigurationError("bcrypt cost must be between 4 and 31, got \(cost)") }
        self.cost = cost
        self.dummyHash = Bcrypt.hash(IdentifierGenerator.randomToken(length: 32), cost: UInt8(cost))
    }

    /// Throws `ChatError` with code `.validationFailed` on field `password` when the password breaks a rule.
    public static func validate(_ password: String) throws {
        guard lengthRange.contains(password.count) else {
            throw ChatError.validation("password must be \(lengthRange.lowerBound) to \(lengthRange.upperBound) characters", field: field)
        }
        guard password.utf8.count <= maxBytes else {
            throw ChatError.validation("password must be at most \(maxBytes) bytes in UTF-8", field: field)
        }
        guard !password.utf8.contains(0) else {
            throw ChatError.validation("password must not contain a NUL character", field: field)
        }
    }

    /// Validates `password` and returns its bcrypt hash (`$2b$…`, salt included).
    public func hash(_ password: String) async throws -> String {
        try Self.validate(password)
        let cost = UInt8(cost)
        return await Self.offPool { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`. A password that could never have been stored (too long, NUL) is checked
    /// against the dummy hash and reported as wrong, so it costs the same time.
    public func verify(_ password: String, against hash: String) async -> Bool {
        let acceptable = (try? Self.validate(password)) != nil
        let target = acceptable ? hash : dummyHash
        let matches = await Self.offPool { Bcrypt.verify(password, hash: target) }
        return acceptable && matches
    }

    /// Spends the time of one `verify` without checking anything, for logins of unknown users.
    public func dummyVerify(_ password: String) async {
        let dummyHash = dummyHash
        _ = await Self.offPool { Bcrypt.verify(password, hash: dummyHash) }
    }

    private static func offPool<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }
}
