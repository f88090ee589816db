import ChatCore
import Crypto
import Foundation

/// Signs and checks download links that need no bearer token: `?expires=<unix seconds>&signature=<base64url HMAC>`.
///
/// For the v1 surface, whose clients (the original frontend) put a file's URL in a plain `<img src>` or `<a href>`,
/// which cannot carry a token. A link lets whoever holds it download that one file until it expires or its message is
/// deleted, like the public storage URLs the original handed out. The key is derived from the JWT secret (HKDF with its
/// own label), so every node that shares the secret accepts the links of the others, and a link's key is never a token
/// key.
public struct FileLinkSigner: Sendable {
    /// How long a link is valid.
    public let lifetime: Duration
    private let key: SymmetricKey
    private let clock: ChatClock

    public init(secret: SigningSecret, lifetime: Duration, clock: ChatClock = .system) {
        self.key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret.bytes),
            info: Data("chatblizz file links v1".utf8),
            outputByteCount: 32
        )
        self.lifetime = lifetime
        self.clock = clock
    }

    /// The query of a link to `fileID` that expires `lifetime` from now (without the leading `?`).
    public func query(for fileID: FileID) -> String {
        let expires = self.clock.now().milliseconds / 1000 + self.lifetime.components.seconds
        return "expires=\(expires)&signature=\(self.signature(fileID: fileID.rawValue, expires: expires))"
    }

    /// Whether `signature` signs `fileID` until `expires`, and that time has not come. Any malformed part is `false`.
    public func isValid(fileID: String, expires: String?, signature: String?) -> Bool {
        guard let expires, expires.utf8.count <= 12, let seconds = Int64(expires), let signature, signature.utf8.count <= 64,
            let mac = Base64URL.decode(signature)
        else { return false }
        let now = self.clock.now().milliseconds / 1000
        // A link from the future beyond its lifetime was not made here (or the lifetime was shortened since).
        guard seconds > now, seconds <= now + self.lifetime.components.seconds + 60 else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Self.message(fileID, seconds), using: self.key)
    }

    private func signature(fileID: String, expires: Int64) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Self.message(fileID, expires), using: self.key)))
    }

    private static func message(_ fileID: String, _ expires: Int64) -> Data {
        Data("\(fileID)\n\(expires)".utf8)
    }
}
