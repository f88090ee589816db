import ChatAuth
import ChatCore
import ChatTestSupport
import Foundation
import JWTKit
import Testing

/// Drives `FirebaseIdentityVerifier` against a real local certificate endpoint and tokens from a test signer.
struct FirebaseIdentityVerifierTests {
    @Test func validTokenAccepted() async throws {
        try await withVerifier { verifier, endpoint, clock, key in
            let token = try await key.sign(FirebaseTestClaims(now: clock.now))
            let identity = try await verifier.verify(bearerToken: token)
            #expect(identity.userID == UserID("firebase-uid-1"))
            #expect(identity.issuer == "firebase")
            #expect(identity.email == "alice@example.com")
            #expect(identity.expiresAt == Timestamp(milliseconds: (clock.now.milliseconds / 1000 + 3600) * 1000))
            let withoutEmail = try await key.sign(FirebaseTestClaims(now: clock.now, uid: "uid-2", email: nil))
            #expect(try await verifier.verify(bearerToken: withoutEmail).email == nil)
            #expect(endpoint.hits == 1)
        }
    }

    @Test func claimViolationsRejectedWithoutFetching() async throws {
        try await withVerifier { verifier, endpoint, clock, key in
            let now = clock.now
            let seconds = now.milliseconds / 1000
            var cases: [(FirebaseTestClaims, String)] = []
            var claims = FirebaseTestClaims(now: now)
            claims.aud = "another-project"
            cases.append((claims, "wrong token audience"))
            claims = FirebaseTestClaims(now: now)
            claims.iss = "https://securetoken.google.com/another-project"
            cases.append((claims, "wrong token issuer"))
            claims = FirebaseTestClaims(now: now)
            claims.iss = "https://accounts.google.com"
            cases.append((claims, "wrong token issuer"))
            claims = FirebaseTestClaims(now: now.adding(milliseconds: -3_700_000))
            cases.append((claims, "token expired"))
            claims = FirebaseTestClaims(now: now)
            claims.iat = seconds + 120
            cases.append((claims, "token issued in the future"))
            claims = FirebaseTestClaims(now: now)
            claims.authTime = seconds + 120
            cases.append((claims, "token authenticated in the future"))
            cases.append((FirebaseTestClaims(now: now, uid: ""), "invalid token subject"))
            cases.append((FirebaseTestClaims(now: now, uid: String(repeating: "u", count: 129)), "invalid token subject"))
            cases.append((FirebaseTestClaims(now: now, uid: nil), "malformed token"))
            for (claims, reason) in cases {
                await expectRejected(try await key.sign(claims), by: verifier, reason: reason)
            }
            #expect(endpoint.hits == 0)
        }
    }

    @Test func clockSkewWithinLeewayAccepted() async throws {
        try await withVerifier { verifier, _, clock, key in
            var claims = FirebaseTestClaims(now: clock.now)
            claims.iat = clock.now.milliseconds / 1000 + 50
            claims.authTime = claims.iat
            _ = try await verifier.verify(bearerToken: try await key.sign(claims))
            let token = try await key.sign(FirebaseTestClaims(now: clock.now))
            clock.advance(seconds: 3600 + 59)
            _ = try await verifier.verify(bearerToken: token)
            clock.advance(seconds: 2)
            await expectRejected(token, by: verifier, reason: "token expired")
        }
    }

    @Test func forgedTokensRejected() async throws {
        try await withVerifier { verifier, endpoint, clock, key in
            let claims = FirebaseTestClaims(now: clock.now)
            await expectRejected(try key.unsigned(claims), by: verifier, reason: "unsupported token algorithm")
            await expectRejected(try await key.signConfused(claims, alg: "HS256"), by: verifier, reason: "unsupported token algorithm")
            #expect(endpoint.hits == 0)
            // The same HMAC signature under a header claiming RS256 reaches the RSA check and fails there.
            await expectRejected(try await key.signConfused(claims, alg: "RS256"), by: verifier, reason: "invalid token signature")
            let attacker = try FirebaseTestKey.attacker.get()
            #expect(attacker.keyID == key.keyID)
            await expectRejected(try await attacker.sign(claims), by: verifier, reason: "invalid token signature")
            let valid = try await key.sign(claims)
            await expectRejected(TokenForge.withHeader(valid, #"{"alg":"RS256","typ":"JWT"}"#), by: verifier, reason: "missing token key id")
            let wrongType = TokenForge.withHeader(valid, #"{"alg":"RS256","typ":"at+jwt","kid":"key-primary"}"#)
            await expectRejected(wrongType, by: verifier, reason: "unsupported token header")
            let critical = TokenForge.withHeader(valid, #"{"alg":"RS256","kid":"key-primary","crit":["exp"]}"#)
            await expectRejected(critical, by: verifier, reason: "unsupported token header")
            // A valid payload under a swapped header no longer matches the signature.
            let swapped = TokenForge.withHeader(valid, #"{"alg":"RS256","kid":"key-primary"}"#)
            await expectRejected(swapped, by: verifier, reason: "invalid token signature")
            #expect(endpoint.hits == 1)
        }
    }

    @Test func garbageAndOversizeRejected() async throws {
        try await withVerifier { verifier, endpoint, clock, key in
            for garbage in ["", "garbage", "a.b.c", "...", "eyJhbGciOiJSUzI1NiJ9.e30", "\u{1F600}.\u{1F600}.\u{1F600}"] {
                await expectRejected(garbage, by: verifier, reason: "malformed token")
            }
            var claims = FirebaseTestClaims(now: clock.now)
            claims.email = String(repeating: "x", count: 8 * 1024)
            await expectRejected(try await key.sign(claims), by: verifier, reason: "token too long")
            #expect(endpoint.hits == 0)
        }
    }
}
