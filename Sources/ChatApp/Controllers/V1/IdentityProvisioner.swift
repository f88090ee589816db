import ChatCore
import Foundation

/// Creates the user row of a Firebase identity on its first sign-in, as the original's `/register` would have.
///
/// A verified Firebase token whose uid has no user is provisioned when the token carries an email: the username is
/// the email's local part made valid (letters, digits, `_`, `.`, `-`; starting with a letter or digit; 3 to 24
/// characters), with a numeric suffix when taken. Without an email the identity is refused (401).
struct IdentityProvisioner: Sendable {
    /// The issuer name `FirebaseIdentityVerifier` writes into identities.
    static let firebaseIssuer = "firebase"

    let users: UserService

    /// Returns once `identity` has a user row; throws `unauthenticated` when it has none and cannot get one.
    func ensureUser(for identity: VerifiedIdentity) async throws {
        guard identity.issuer == Self.firebaseIssuer else { return }
        if try await users.userIfExists(identity.userID) != nil { return }
        guard let email = identity.email, !email.isEmpty else {
            throw ChatError.unauthenticated("this Firebase account is not registered")
        }
        let base = Self.baseUsername(fromEmail: email)
        for attempt in 0..<20 {
            let username = attempt == 0 ? base : base + Self.suffix(attempt)
            do {
                _ = try await users.createUser(id: identity.userID, username: username, email: email)
                return
            } catch let error as ChatError where error.code == .conflict {
                if try await users.userIfExists(identity.userID) != nil { return }  // created concurrently
                if error.field == "email" { throw ChatError.unauthenticated("the token's email belongs to another account") }
            } catch let error as ChatError where error.code == .validationFailed {
                throw ChatError.unauthenticated("the token's email cannot make an account: \(error.message)")
            }
        }
        throw ChatError.unauthenticated("no free username for this Firebase account")
    }

    /// The numeric suffix of the `attempt`-th try: 2, 3, … then random digits.
    private static func suffix(_ attempt: Int) -> String {
        attempt < 10 ? String(attempt + 1) : String(Int.random(in: 1000...999_999))
    }

    /// The email's local part reduced to a valid username.
    static func baseUsername(fromEmail email: String) -> String {
        let local = email.split(separator: "@", maxSplits: 1).first.map(String.init) ?? email
        var scalars = String.UnicodeScalarView()
        for scalar in local.unicodeScalars where scalar.isASCII {
            let isAlnum = scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
            if isAlnum || (!scalars.isEmpty && (scalar == "_" || scalar == "." || scalar == "-")) { scalars.append(scalar) }
        }
        var name = String(String(scalars).prefix(24))
        if name.count < 3 { name = "user" + name }
        return name
    }
}

/// An `IdentityVerifier` that provisions Firebase identities after the wrapped verifier accepts them, so every
/// consumer of the verifier (v1, v2, Socket.IO) sees only identities that have a user row.
struct ProvisioningIdentityVerifier: IdentityVerifier {
    let base: any IdentityVerifier
    let provisioner: IdentityProvisioner

    func verify(bearerToken: String) async throws -> VerifiedIdentity {
        let identity = try await base.verify(bearerToken: bearerToken)
        try await provisioner.ensureUser(for: identity)
        return identity
    }
}
