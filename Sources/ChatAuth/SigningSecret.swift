import Crypto

/// The HMAC secret access tokens are signed with. At least 32 bytes; never printed.
public struct SigningSecret: Sendable, CustomStringConvertible {
    /// Where the secret came from, for a start-up log line.
    public enum Origin: Sendable, Hashable {
        /// From the `CHATBLIZZ_JWT_SECRET` configuration value.
        case configuration
        /// Read from a file a previous start generated.
        case file(path: String)
        /// Generated now and written to a file.
        case generated(path: String)
    }

    /// The minimum secret size: HS256's output size, as RFC 7518 §3.2 requires.
    public static let minimumByteCount = 32

    let bytes: [UInt8]
    /// Where the secret came from.
    public let origin: Origin

    /// Wraps raw secret bytes. Throws when there are fewer than `minimumByteCount`.
    public init(bytes: [UInt8], origin: Origin = .configuration) throws {
        guard bytes.count >= Self.minimumByteCount else {
            throw AuthConfigurationError("the JWT secret must be at least \(Self.minimumByteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
        self.origin = origin
    }

    /// A new random 32-byte secret.
    static func random(origin: Origin) -> SigningSecret {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<minimumByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return SigningSecret(unchecked: bytes, origin: origin)
    }

    private init(unchecked bytes: [UInt8], origin: Origin) {
        self.bytes = bytes
        self.origin = origin
    }

    var symmetricKey: SymmetricKey { SymmetricKey(data: bytes) }

    public var description: String { "SigningSecret(\(bytes.count) bytes, redacted)" }
}
