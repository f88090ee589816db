import ChatTestSupport

/// The v1 tests sign Firebase ID tokens with the shared test key for a project of their own.
extension FirebaseTestClaims {
    static let v1ProjectID = "chatblizz-v1-test"

    /// A valid token's claims for `uid` in the v1 tests' project, issued now and valid for an hour.
    static func v1(uid: String, email: String?) -> FirebaseTestClaims {
        FirebaseTestClaims(uid: uid, email: email, projectID: v1ProjectID)
    }
}

extension FirebaseTestKey {
    /// A valid v1 token for `uid` carrying `email`.
    func token(uid: String, email: String?) async throws -> String {
        try await sign(.v1(uid: uid, email: email))
    }
}
