import ChatCore

/// Tries several identity verifiers in order (built-in JWT first, Firebase later) and returns the first identity one
/// of them accepts.
///
/// When all reject the token, the error of the first verifier that failed with something other than
/// `.unauthenticated` is thrown (a key-fetch outage must not look like bad credentials); otherwise the first
/// verifier's error, since it is the primary token format.
public struct ChainedIdentityVerifier: IdentityVerifier {
    private let verifiers: [any IdentityVerifier]

    /// Creates a chain; order matters, the first verifier is asked first.
    public init(_ verifiers: [any IdentityVerifier]) {
        self.verifiers = verifiers
    }

    /// Returns the first identity a verifier accepts, or throws.
    public func verify(bearerToken: String) async throws -> VerifiedIdentity {
        var firstError: (any Error)?
        var firstNonAuthError: (any Error)?
        for verifier in verifiers {
            do {
                return try await verifier.verify(bearerToken: bearerToken)
            } catch {
                if firstError == nil { firstError = error }
                if firstNonAuthError == nil, (error as? ChatError)?.code != .unauthenticated { firstNonAuthError = error }
            }
        }
        throw firstNonAuthError ?? firstError ?? ChatError.unauthenticated("no identity verifier configured")
    }
}
