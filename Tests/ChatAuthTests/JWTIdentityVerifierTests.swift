import ChatAuth
import ChatCore
import Foundation
import JWTKit
import Testing

struct JWTIdentityVerifierTests {
    private func expectRejected(_ token: String, by verifier: JWTIdentityVerifier, reason: String? = nil) async {
        do {
            let identity = try await verifier.verify(bearerToken: token)
            Issue.record("token was accepted for \(identity.userID)")
        } catch let error as ChatError {
            #expect(error.code == .unauthenticated)
            if let reason { #expect(error.message == reason) }
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    @Test func signedTokenVerifies() async throws {
        let fixture = try await AuthFixture()
        let signer = try await AccessTokenSigner(configuration: fixture.configuration, clock: fixture.clock.chatClock)
        let access = try await signer.sign(userID: UserID("alice1"))
        #expect(access.expiresAt == fixture.clock.now.adding(milliseconds: 900_000))
        let identity = try await fixture.verifier.verify(bearerToken: access.token)
        #expect(identity.userID == UserID("alice1"))
        #expect(identity.issuer == "chatblizz")
        #expect(identity.expiresAt == access.expiresAt)
        let header = try #require(access.token.split(separator: ".").first)
        let headerJSON = try #require(Data(base64Encoded: String(header) + String(repeating: "=", count: (4 - header.count % 4) % 4)))
        let fields = try JSONDecoder().decode([String: String].self, from: headerJSON)
        #expect(fields == ["alg": "HS256", "kid": "cb1", "typ": "JWT"])
    }

    @Test func expiryHonoursLeeway() async throws {
        let fixture = try await AuthFixture()
        let token = try await TokenForge.hmac(LooseClaims(now: fixture.clock.now, lifetime: 60))
        fixture.clock.advance(seconds: 60 + 29)
        _ = try await fixture.verifier.verify(bearerToken: token)
        fixture.clock.advance(seconds: 2)
        await expectRejected(token, by: fixture.verifier, reason: "token expired")
    }

    @Test func futureIssuedAtRejected() async throws {
        let fixture = try await AuthFixture()
        let near = try await TokenForge.hmac(LooseClaims(now: fixture.clock.now.adding(milliseconds: 20_000)))
        _ = try await fixture.verifier.verify(bearerToken: near)
        let far = try await TokenForge.hmac(LooseClaims(now: fixture.clock.now.adding(milliseconds: 120_000)))
        await expectRejected(far, by: fixture.verifier, reason: "token issued in the future")
    }

    @Test func wrongSecretRejected() async throws {
        let fixture = try await AuthFixture()
        let token = try await TokenForge.hmac(LooseClaims(now: fixture.clock.now), secret: [UInt8](repeating: 9, count: 32))
        await expectRejected(token, by: fixture.verifier, reason: "invalid token signature")
    }

    @Test func otherVerifierKeyRejectsOurToken() async throws {
        let fixture = try await AuthFixture()
        let other = try await JWTIdentityVerifier(
            configuration: AccessTokenConfiguration(secret: try SigningSecret(bytes: [UInt8](repeating: 1, count: 48))),
            clock: fixture.clock.chatClock
        )
        let token = try await TokenForge.hmac(LooseClaims(now: fixture.clock.now))
        await expectRejected(token, by: other, reason: "invalid token signature")
    }

    @Test func algNoneRejected() async throws {
        let fixture = try await AuthFixture()
        await expectRejected(try TokenForge.none(LooseClaims(now: fixture.clock.now)), by: fixture.verifier)
    }

    /// jwt-kit checks the signature with the algorithm of the key the `kid` names and ignores the header's `alg`, so
    /// an HMAC-signed token claiming RS256 passes jwt-kit alone. The verifier's own header check must stop it.
    @Test func algorithmMismatchWithValidMacRejected() async throws {
        let fixture = try await AuthFixture()
        for alg in ["RS256", "ES256", "HS512", "none", "hs256"] {
            let token = try await TokenForge.hmac(LooseClaims(now: fixture.clock.now), alg: alg)
            let plainKeys = JWTKeyCollection()
            await plainKeys.add(hmac: HMACKey(from: AuthFixture.secretBytes), digestAlgorithm: .sha256, kid: "cb1")
            let accepted = try? await plainKeys.verify(token, as: LooseClaims.self)
            #expect(accepted != nil, "jwt-kit alone accepts alg \(alg); if this changed, the header check is belt and braces")
            await expectRejected(token, by: fixture.verifier, reason: "unsupported token algorithm")
        }
    }

    @Test func rs256AndES256TokensRejected() async throws {
        let fixture = try await AuthFixture()
        let claims = LooseClaims(now: fixture.clock.now)
        let rsaKeys = JWTKeyCollection()
        await rsaKeys.add(rsa: try Insecure.RSA.PrivateKey(pem: TestKeys.rsaPrivateKeyPEM), digestAlgorithm: .sha256, kid: "cb1")
        await expectRejected(try await rsaKeys.sign(claims, kid: "cb1"), by: fixture.verifier, reason: "unsupported token algorithm")
        let ecKeys = JWTKeyCollection()
        await ecKeys.add(ecdsa: ES256PrivateKey(), kid: "cb1")
        await expectRejected(try await ecKeys.sign(claims, kid: "cb1"), by: fixture.verifier, reason: "unsupported token algorithm")
    }

    @Test func wrongKeyIDAndHeadersRejected() async throws {
        let fixture = try await AuthFixture()
        let token = try await TokenForge.hmac(LooseClaims(now: fixture.clock.now))
        await expectRejected(try await TokenForge.hmac(LooseClaims(now: fixture.clock.now), kid: "cb2"), by: fixture.verifier)
        await expectRejected(TokenForge.withHeader(token, #"{"alg":"HS256"}"#), by: fixture.verifier, reason: "unknown token key")
        await expectRejected(TokenForge.withHeader(token, #"{"alg":"HS256","kid":"cb1","crit":["b64"]}"#), by: fixture.verifier)
        // Same claims, header re-encoded: the signature no longer covers it.
        await expectRejected(TokenForge.withHeader(token, #"{"kid":"cb1","alg":"HS256"}"#), by: fixture.verifier)
    }

    @Test func wrongIssuerAudienceOrSubjectRejected() async throws {
        let fixture = try await AuthFixture()
        let now = fixture.clock.now
        let cases: [(LooseClaims, String)] = [
            (LooseClaims(now: now, iss: "firebase"), "wrong token issuer"),
            (LooseClaims(now: now, aud: "someone-else"), "wrong token audience"),
            (LooseClaims(now: now, sub: ""), "invalid token subject"),
            (LooseClaims(now: now, sub: nil), "malformed token"),
            (LooseClaims(now: now, iss: nil), "malformed token"),
            (LooseClaims(now: now, aud: nil), "malformed token"),
        ]
        for (claims, reason) in cases {
            await expectRejected(try await TokenForge.hmac(claims), by: fixture.verifier, reason: reason)
        }
    }

    @Test func garbageAndOversizedTokensRejected() async throws {
        let fixture = try await AuthFixture()
        let valid = try await TokenForge.hmac(LooseClaims(now: fixture.clock.now))
        let garbage = ["", "garbage", "a.b.c", "a.b", "....", "\(valid).x", "eyJ.eyJ.", String(valid.dropLast(3)), "Bearer \(valid)"]
        for token in garbage {
            await expectRejected(token, by: fixture.verifier)
        }
        let padded = valid + String(repeating: "A", count: 10 * 1024)
        await expectRejected(padded, by: fixture.verifier, reason: "token too long")
    }

    @Test func invalidConfigurationThrows() async throws {
        let secret = try SigningSecret(bytes: AuthFixture.secretBytes)
        await #expect(throws: AuthConfigurationError.self) {
            _ = try await JWTIdentityVerifier(configuration: AccessTokenConfiguration(secret: secret, leeway: .seconds(31)))
        }
        await #expect(throws: AuthConfigurationError.self) {
            _ = try await AccessTokenSigner(configuration: AccessTokenConfiguration(secret: secret, lifetime: .zero))
        }
        #expect(throws: AuthConfigurationError.self) { _ = try SigningSecret(bytes: [UInt8](repeating: 1, count: 31)) }
    }
}
