import ChatCore
import Foundation

/// Finds the access-token signing secret at start-up.
///
/// - `CHATBLIZZ_JWT_SECRET` set (non-empty): it is decoded as hex when it consists only of hex digits, otherwise as
///   base64 or base64url (padding optional); `hex:` and `base64:` prefixes force one reading. It must decode to at
///   least 32 bytes, or start-up fails with an error naming the key. Use this when several nodes sign tokens.
/// - Not set: the secret is read from `secretFilePath` (default `./data/jwt-secret`, base64 text). When that file does
///   not exist, 32 random bytes are generated and written to it with mode 0600 (the parent directory is created with
///   mode 0700), so tokens survive a restart of a single node. The file is created exclusively: two processes
///   starting together end up with the same secret.
public struct SigningKeyProvider: Sendable {
    /// The configuration key of the secret.
    public static let configurationKey = "CHATBLIZZ_JWT_SECRET"
    /// Where a generated secret is kept when no path is configured.
    public static let defaultSecretFilePath = "./data/jwt-secret"

    /// The configured secret text, nil when not configured.
    public var configuredSecret: String?
    /// Where the generated secret is kept.
    public var secretFilePath: String

    /// Creates a provider from explicit values.
    public init(configuredSecret: String?, secretFilePath: String = SigningKeyProvider.defaultSecretFilePath) {
        self.configuredSecret = configuredSecret
        self.secretFilePath = secretFilePath
    }

    /// Creates a provider that reads `CHATBLIZZ_JWT_SECRET` from `environment`.
    public init(environment: [String: String], secretFilePath: String = SigningKeyProvider.defaultSecretFilePath) {
        self.init(configuredSecret: environment[Self.configurationKey], secretFilePath: secretFilePath)
    }

    /// Returns the secret, generating and persisting one if needed. Throws `AuthConfigurationError`.
    public func loadSecret() throws -> SigningSecret {
        if let text = configuredSecret?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            guard let bytes = Self.decode(text), bytes.count >= SigningSecret.minimumByteCount else {
                throw AuthConfigurationError(
                    "\(Self.configurationKey) must be a hex or base64 string of at least \(SigningSecret.minimumByteCount) bytes"
                )
            }
            return try SigningSecret(bytes: bytes, origin: .configuration)
        }
        if let existing = try readSecretFile() { return existing }
        let secret = SigningSecret.random(origin: .generated(path: secretFilePath))
        if try writeSecretFile(secret) { return secret }
        // Another process created the file first: use its secret.
        guard let existing = try readSecretFile() else {
            throw AuthConfigurationError("could not read the JWT secret file at \(secretFilePath)")
        }
        return existing
    }

    /// Decodes hex or base64 text; nil when it is neither.
    static func decode(_ text: String) -> [UInt8]? {
        if text.hasPrefix("hex:") { return decodeHex(text.dropFirst(4)) }
        if text.hasPrefix("base64:") { return Base64URL.decode(text.dropFirst(7)) }
        return decodeHex(Substring(text)) ?? Base64URL.decode(text)
    }

    private static func decodeHex(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count.isMultiple(of: 2) else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private func readSecretFile() throws -> SigningSecret? {
        guard FileManager.default.fileExists(atPath: secretFilePath) else { return nil }
        guard let data = FileManager.default.contents(atPath: secretFilePath) else {
            throw AuthConfigurationError("could not read the JWT secret file at \(secretFilePath)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Base64URL.decode(text), bytes.count >= SigningSecret.minimumByteCount else {
            throw AuthConfigurationError(
                "the JWT secret file at \(secretFilePath) is not base64 of at least \(SigningSecret.minimumByteCount) bytes; "
                    + "fix or delete it (deleting signs every user out), or set \(Self.configurationKey)"
            )
        }
        return try SigningSecret(bytes: bytes, origin: .file(path: secretFilePath))
    }

    /// Writes the file exclusively with mode 0600. Returns false when it already exists.
    private func writeSecretFile(_ secret: SigningSecret) throws -> Bool {
        let directory = URL(fileURLWithPath: secretFilePath).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(
                atPath: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw AuthConfigurationError("could not create the directory \(directory) for the JWT secret file")
        }
        let descriptor = open(secretFilePath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            if errno == EEXIST { return false }
            throw AuthConfigurationError("could not create the JWT secret file at \(secretFilePath) (errno \(errno))")
        }
        defer { close(descriptor) }
        let content = Array((Data(secret.bytes).base64EncodedString() + "\n").utf8)
        let written = content.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == content.count, fsync(descriptor) == 0 else {
            unlink(secretFilePath)
            throw AuthConfigurationError("could not write the JWT secret file at \(secretFilePath)")
        }
        return true
    }
}
