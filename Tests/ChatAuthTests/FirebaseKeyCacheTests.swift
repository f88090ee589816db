import ChatAuth
import ChatCore
import ChatTestSupport
import Foundation
import Synchronization
import Testing

/// The certificate cache behind `FirebaseIdentityVerifier`: max-age, refresh on an unknown `kid`, rotation, outages.
struct FirebaseKeyCacheTests {
    @Test func cacheRespectsMaxAge() async throws {
        try await withVerifier(maxAge: 600) { verifier, endpoint, clock, key in
            let token = try await key.sign(FirebaseTestClaims(now: clock.now))
            _ = try await verifier.verify(bearerToken: token)
            _ = try await verifier.verify(bearerToken: token)
            clock.advance(seconds: 599)
            _ = try await verifier.verify(bearerToken: token)
            #expect(endpoint.hits == 1)
            clock.advance(seconds: 2)
            _ = try await verifier.verify(bearerToken: token)
            #expect(endpoint.hits == 2)
        }
    }

    @Test func missingMaxAgeMeansOneHour() async throws {
        try await withVerifier(maxAge: nil) { verifier, endpoint, clock, key in
            let token = try await key.sign(FirebaseTestClaims(now: clock.now))
            _ = try await verifier.verify(bearerToken: token)
            clock.advance(seconds: 3599)
            _ = try await verifier.verify(bearerToken: token)
            #expect(endpoint.hits == 1)
            clock.advance(seconds: 2)
            _ = try await verifier.verify(bearerToken: try await key.sign(FirebaseTestClaims(now: clock.now)))
            #expect(endpoint.hits == 2)
        }
    }

    @Test func unknownKeyRefreshesOnceThenIsRejected() async throws {
        try await withVerifier { verifier, endpoint, clock, key in
            _ = try await verifier.verify(bearerToken: try await key.sign(FirebaseTestClaims(now: clock.now)))
            #expect(endpoint.hits == 1)
            clock.advance(seconds: 60)
            let unknown = try await key.sign(FirebaseTestClaims(now: clock.now), kid: "key-unknown")
            await expectRejected(unknown, by: verifier, reason: "unknown token key")
            #expect(endpoint.hits == 2)
            for _ in 0..<5 {
                await expectRejected(unknown, by: verifier, reason: "unknown token key")
            }
            #expect(endpoint.hits == 2)
            // Known keys keep working meanwhile, from the cache.
            _ = try await verifier.verify(bearerToken: try await key.sign(FirebaseTestClaims(now: clock.now)))
            #expect(endpoint.hits == 2)
        }
    }

    @Test func rotatedKeyAcceptedAfterRefresh() async throws {
        try await withVerifier { verifier, endpoint, clock, key in
            _ = try await verifier.verify(bearerToken: try await key.sign(FirebaseTestClaims(now: clock.now)))
            let rotated = try FirebaseTestKey.rotated.get()
            endpoint.serve([key.keyID: key.certificatePEM, rotated.keyID: rotated.certificatePEM])
            clock.advance(seconds: 60)
            let identity = try await verifier.verify(bearerToken: try await rotated.sign(FirebaseTestClaims(now: clock.now, uid: "uid-rotated")))
            #expect(identity.userID == UserID("uid-rotated"))
            #expect(endpoint.hits == 2)
        }
    }

    @Test func endpointOutageIsUnavailable() async throws {
        try await withVerifier { verifier, endpoint, clock, key in
            endpoint.setFailing(true)
            let token = try await key.sign(FirebaseTestClaims(now: clock.now))
            await expectRejected(token, by: verifier, reason: "identity provider keys unavailable", code: .unavailable)
            #expect(endpoint.hits == 1)
            // Retries are rate-limited, then succeed once the endpoint is back.
            await expectRejected(token, by: verifier, reason: "identity provider keys unavailable", code: .unavailable)
            #expect(endpoint.hits == 1)
            endpoint.setFailing(false)
            clock.advance(seconds: 31)
            _ = try await verifier.verify(bearerToken: token)
            #expect(endpoint.hits == 2)
        }
    }

    @Test func unreachableEndpointIsUnavailable() async throws {
        let key = try FirebaseTestKey.primary.get()
        let clock = TestClock()
        let configuration = FirebaseConfiguration(
            projectID: FirebaseTestClaims.projectID,
            certificatesURL: "http://127.0.0.1:1/certs",
            fetchTimeout: .seconds(1)
        )
        let verifier = try FirebaseIdentityVerifier(configuration: configuration, clock: clock.chatClock)
        let token = try await key.sign(FirebaseTestClaims(now: clock.now))
        await expectRejected(token, by: verifier, reason: "identity provider keys unavailable", code: .unavailable)
    }

    @Test func expiredSetStillUsedWhileEndpointIsDown() async throws {
        try await withVerifier(maxAge: 600) { verifier, endpoint, clock, key in
            _ = try await verifier.verify(bearerToken: try await key.sign(FirebaseTestClaims(now: clock.now)))
            endpoint.setFailing(true)
            clock.advance(seconds: 601)
            _ = try await verifier.verify(bearerToken: try await key.sign(FirebaseTestClaims(now: clock.now)))
            #expect(endpoint.hits == 2)
        }
    }

    @Test func concurrentRequestsShareOneFetch() async throws {
        let key = try FirebaseTestKey.primary.get()
        let source = SlowCertificateSource(certificates: [key.keyID: key.certificatePEM])
        let clock = TestClock()
        let verifier = try FirebaseIdentityVerifier(
            configuration: FirebaseConfiguration(projectID: FirebaseTestClaims.projectID),
            certificateSource: source,
            clock: clock.chatClock
        )
        let token = try await key.sign(FirebaseTestClaims(now: clock.now))
        try await withThrowingTaskGroup(of: VerifiedIdentity.self) { group in
            for _ in 0..<8 {
                group.addTask { try await verifier.verify(bearerToken: token) }
            }
            for try await identity in group {
                #expect(identity.userID == UserID("firebase-uid-1"))
            }
        }
        #expect(source.fetches == 1)
    }

    @Test func configurationFromEnvironment() throws {
        #expect(try FirebaseConfiguration.fromEnvironment([:]) == nil)
        #expect(try FirebaseConfiguration.fromEnvironment(["FIREBASE_PROJECT_ID": " "]) == nil)
        let plain = try #require(try FirebaseConfiguration.fromEnvironment(["FIREBASE_PROJECT_ID": "my-app"]))
        #expect(plain.projectID == "my-app")
        #expect(plain.issuer == "https://securetoken.google.com/my-app")
        #expect(plain.certificatesURL == FirebaseConfiguration.defaultCertificatesURL)
        let local = try #require(
            try FirebaseConfiguration.fromEnvironment(["FIREBASE_PROJECT_ID": "my-app", "FIREBASE_CERTS_URL": "http://127.0.0.1:9099/certs"])
        )
        #expect(local.certificatesURL == "http://127.0.0.1:9099/certs")
        for bad in ["not a url", "ftp://example.com/certs", "/certs"] {
            #expect {
                try FirebaseConfiguration.fromEnvironment(["FIREBASE_PROJECT_ID": "my-app", "FIREBASE_CERTS_URL": bad])
            } throws: { error in
                (error as? AuthConfigurationError)?.message.contains("FIREBASE_CERTS_URL") == true
            }
        }
        #expect(throws: AuthConfigurationError.self) { try FirebaseConfiguration.fromEnvironment(["FIREBASE_PROJECT_ID": "my app/x"]) }
    }
}

/// A certificate source that takes a moment to answer and counts its fetches, so concurrent callers overlap.
private final class SlowCertificateSource: FirebaseCertificateSource {
    private let certificates: [String: String]
    private let count = Mutex(0)

    init(certificates: [String: String]) {
        self.certificates = certificates
    }

    var fetches: Int { count.withLock { $0 } }

    func fetch() async throws -> (certificates: [String: String], maxAge: Duration?) {
        count.withLock { $0 += 1 }
        try await Task.sleep(for: .milliseconds(300))
        return (certificates, .seconds(3600))
    }
}
