import ChatAuth
import ChatCore
import ChatTestSupport
import Testing

/// A verifier for the test project that fetches from `url`, on `clock`.
func makeFirebaseVerifier(url: String, clock: TestClock) throws -> FirebaseIdentityVerifier {
    try FirebaseIdentityVerifier(
        configuration: FirebaseConfiguration(projectID: FirebaseTestClaims.projectID, certificatesURL: url),
        clock: clock.chatClock
    )
}

/// Runs `body` with a verifier whose local endpoint serves the primary key.
func withVerifier(
    maxAge: Int? = 3600,
    _ body: @Sendable (FirebaseIdentityVerifier, FirebaseCertificateEndpoint, TestClock, FirebaseTestKey) async throws -> Void
) async throws {
    let key = try FirebaseTestKey.primary.get()
    try await FirebaseCertificateEndpoint.with([key.keyID: key.certificatePEM], maxAge: maxAge) { endpoint, url in
        let clock = TestClock()
        try await body(try makeFirebaseVerifier(url: url, clock: clock), endpoint, clock, key)
    }
}

/// Expects `verifier` to reject `token` with `ChatError(code, reason)`.
func expectRejected(
    _ token: String,
    by verifier: FirebaseIdentityVerifier,
    reason: String,
    code: ChatError.Code = .unauthenticated,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    do {
        let identity = try await verifier.verify(bearerToken: token)
        Issue.record("token was accepted for \(identity.userID)", sourceLocation: sourceLocation)
    } catch let error as ChatError {
        #expect(error.code == code, sourceLocation: sourceLocation)
        #expect(error.message == reason, sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
    }
}
