import ChatAuth
import ChatCore
import Testing

struct AuthServiceTests {
    private func expectUnauthenticated(
        _ message: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected unauthenticated", sourceLocation: sourceLocation)
        } catch let error as ChatError {
            #expect(error.code == .unauthenticated, sourceLocation: sourceLocation)
            if let message { #expect(error.message == message, sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func registerLoginRefreshLogout() async throws {
        let fixture = try await AuthFixture()
        let service = fixture.service
        let registered = try await service.register(username: "Alice", email: "Alice@Example.com", password: "correct horse")
        #expect(registered.user.username == "Alice")
        #expect(registered.user.email == "alice@example.com")
        #expect(registered.accessTokenExpiresAt == fixture.clock.now.adding(milliseconds: 15 * 60 * 1000))
        #expect(registered.refreshTokenExpiresAt == fixture.clock.now.adding(milliseconds: 30 * 24 * 3600 * 1000))
        #expect(try await fixture.verifier.verify(bearerToken: registered.accessToken).userID == registered.user.id)
        let stored = await fixture.users.passwordHash(for: registered.user.id)
        let storedHash = try #require(stored)
        #expect(storedHash.hasPrefix("$2"))

        for login in ["alice", "ALICE", "alice@example.com", "ALICE@EXAMPLE.COM"] {
            let session = try await service.login(login: login, password: "correct horse")
            #expect(session.user.id == registered.user.id)
            #expect(try await fixture.verifier.verify(bearerToken: session.accessToken).userID == registered.user.id)
        }

        // Rotation: the old token is consumed, the new one works once.
        let first = try await service.login(login: "alice", password: "correct horse")
        let second = try await service.refresh(refreshToken: first.refreshToken)
        #expect(second.refreshToken != first.refreshToken)
        #expect(second.user.id == registered.user.id)
        #expect(try await fixture.verifier.verify(bearerToken: second.accessToken).userID == registered.user.id)
        let third = try await service.refresh(refreshToken: second.refreshToken)

        // Reusing a consumed token revokes the family: the newest token dies too.
        await expectUnauthenticated("refresh token reused") { _ = try await service.refresh(refreshToken: first.refreshToken) }
        await expectUnauthenticated("invalid refresh token") { _ = try await service.refresh(refreshToken: third.refreshToken) }

        // Other sessions (families) are untouched; logout revokes only its own family.
        let other = try await service.login(login: "alice", password: "correct horse")
        let phone = try await service.login(login: "alice", password: "correct horse")
        try await service.logout(refreshToken: other.refreshToken)
        await expectUnauthenticated("invalid refresh token") { _ = try await service.refresh(refreshToken: other.refreshToken) }
        _ = try await service.refresh(refreshToken: phone.refreshToken)
        try await service.logout(refreshToken: other.refreshToken)
        try await service.logout(refreshToken: "not-a-token")
    }

    @Test func logoutRevokesRotatedFamily() async throws {
        let fixture = try await AuthFixture()
        let session = try await fixture.service.register(username: "bob", email: "bob@example.com", password: "password123")
        let rotated = try await fixture.service.refresh(refreshToken: session.refreshToken)
        try await fixture.service.logout(refreshToken: rotated.refreshToken)
        await expectUnauthenticated { _ = try await fixture.service.refresh(refreshToken: rotated.refreshToken) }
    }

    @Test func refreshTokenExpires() async throws {
        let fixture = try await AuthFixture()
        let session = try await fixture.service.register(username: "carol", email: "carol@example.com", password: "password123")
        fixture.clock.advance(seconds: 30 * 24 * 3600 + 1)
        await expectUnauthenticated("invalid refresh token") { _ = try await fixture.service.refresh(refreshToken: session.refreshToken) }
    }

    @Test func badRefreshTokensRejected() async throws {
        let fixture = try await AuthFixture()
        for token in ["", "x", String(repeating: "A", count: 43), String(repeating: "A", count: 5000)] {
            await expectUnauthenticated("invalid refresh token") { _ = try await fixture.service.refresh(refreshToken: token) }
        }
    }

    @Test func wrongPasswordAndUnknownUserLookTheSame() async throws {
        let fixture = try await AuthFixture()
        _ = try await fixture.service.register(username: "dave", email: "dave@example.com", password: "password123")
        let message = "invalid login or password"
        await expectUnauthenticated(message) { _ = try await fixture.service.login(login: "dave", password: "password124") }
        await expectUnauthenticated(message) { _ = try await fixture.service.login(login: "nobody", password: "password123") }
        await expectUnauthenticated(message) { _ = try await fixture.service.login(login: "", password: "password123") }
        // bcrypt ignores bytes after 72; such a password must not match its 72-byte prefix.
        let long = String(repeating: "p", count: 72)
        _ = try await fixture.service.register(username: "erin", email: "erin@example.com", password: long)
        _ = try await fixture.service.login(login: "erin", password: long)
        await expectUnauthenticated(message) { _ = try await fixture.service.login(login: "erin", password: long + "extra") }
    }

    @Test func accountWithoutPasswordCannotLogIn() async throws {
        let fixture = try await AuthFixture()
        let userService = UserService(
            users: fixture.users,
            friendships: MemoryFriendshipStore(),
            events: MemoryEventBus(),
            ids: IdentifierGenerator()
        )
        _ = try await userService.createUser(id: UserID("firebaseUid"), username: "frank", email: "frank@example.com")
        await expectUnauthenticated("invalid login or password") { _ = try await fixture.service.login(login: "frank", password: "password123") }
    }

    @Test func duplicateUsernameOrEmailConflicts() async throws {
        let fixture = try await AuthFixture()
        _ = try await fixture.service.register(username: "grace", email: "grace@example.com", password: "password123")
        let attempts: [(String, String, String)] = [("GRACE", "other@example.com", "username"), ("grace2", "Grace@Example.com", "email")]
        for (username, email, field) in attempts {
            let error = await #expect(throws: ChatError.self) {
                _ = try await fixture.service.register(username: username, email: email, password: "password123")
            }
            #expect(error?.code == .conflict)
            #expect(error?.field == field)
        }
    }

    @Test func registrationValidatesFields() async throws {
        let fixture = try await AuthFixture()
        let attempts: [(String, String, String, String)] = [
            ("x", "a@example.com", "password123", "username"),
            ("henry", "not-an-email", "password123", "email"),
            ("henry", "h@example.com", "short", "password"),
            ("henry", "h@example.com", String(repeating: "é", count: 40), "password"),
            ("henry", "h@example.com", "pass\u{0}word123", "password"),
        ]
        for (username, email, password, field) in attempts {
            let error = await #expect(throws: ChatError.self) {
                _ = try await fixture.service.register(username: username, email: email, password: password)
            }
            #expect(error?.code == .validationFailed)
            #expect(error?.field == field)
        }
    }
}
