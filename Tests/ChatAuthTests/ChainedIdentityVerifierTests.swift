import ChatAuth
import ChatCore
import Testing

private struct StubVerifier: IdentityVerifier {
    var result: Result<VerifiedIdentity, ChatError>
    func verify(bearerToken: String) async throws -> VerifiedIdentity { try result.get() }
}

struct ChainedIdentityVerifierTests {
    private let alice = VerifiedIdentity(userID: UserID("alice"), issuer: "firebase")

    @Test func firstAcceptingVerifierWins() async throws {
        let chain = ChainedIdentityVerifier([
            StubVerifier(result: .failure(.unauthenticated("not ours"))),
            StubVerifier(result: .success(alice)),
        ])
        #expect(try await chain.verify(bearerToken: "t") == alice)
    }

    @Test func outageIsNotReportedAsBadCredentials() async throws {
        let chain = ChainedIdentityVerifier([
            StubVerifier(result: .failure(.unauthenticated("not ours"))),
            StubVerifier(result: .failure(ChatError(.unavailable, "keys unavailable"))),
        ])
        let error = await #expect(throws: ChatError.self) { _ = try await chain.verify(bearerToken: "t") }
        #expect(error?.code == .unavailable)
    }

    @Test func allRejectingReportsTheFirst() async throws {
        let chain = ChainedIdentityVerifier([
            StubVerifier(result: .failure(.unauthenticated("first"))),
            StubVerifier(result: .failure(.unauthenticated("second"))),
        ])
        let error = await #expect(throws: ChatError.self) { _ = try await chain.verify(bearerToken: "t") }
        #expect(error?.message == "first")
        let empty = await #expect(throws: ChatError.self) { _ = try await ChainedIdentityVerifier([]).verify(bearerToken: "t") }
        #expect(empty?.code == .unauthenticated)
    }

    @Test func chainsTheRealVerifier() async throws {
        let fixture = try await AuthFixture()
        let session = try await fixture.service.register(username: "ivy", email: "ivy@example.com", password: "password123")
        let chain = ChainedIdentityVerifier([fixture.verifier, StubVerifier(result: .failure(.unauthenticated("firebase")))])
        #expect(try await chain.verify(bearerToken: session.accessToken).userID == session.user.id)
    }
}
