import ChatApp
import ChatAuth
import ChatTestSupport
import Foundation
import HTTPTypes
import Testing

/// A signed-in v1 user: Firebase uid, username and a Firebase ID token.
struct V1User: Sendable {
    var id: String
    var username: String
    var token: String
}

/// A ChatBlizz server that accepts Firebase tokens from a local test key and certificate endpoint.
struct V1Harness {
    let server: TestServer
    let key: FirebaseTestKey

    /// Runs `body` against a fresh SQLite server with Firebase configured.
    static func run(_ body: @escaping @Sendable (V1Harness) async throws -> Void) async throws {
        let key = try FirebaseTestKey.primary.get()
        try await FirebaseCertificateEndpoint.with([key.keyID: key.certificatePEM]) { _, url in
            try await TestServer.run(
                .sqlite,
                configure: { $0.firebase = FirebaseConfiguration(projectID: FirebaseTestClaims.v1ProjectID, certificatesURL: url) }
            ) {
                server in
                try await body(V1Harness(server: server, key: key))
            }
        }
    }

    /// Registers `username` through R1 with a Firebase token for a new uid.
    func register(_ username: String) async throws -> V1User {
        let uid = "uid\(username)" + String(UUID().uuidString.prefix(8))
        let token = try await key.token(uid: uid, email: "\(username)@example.com")
        let response = try await server.request(
            .post,
            "/api/v1/users/register",
            token: token,
            json: #"{"username":"\#(username)","email":"\#(username)@example.com","fireBaseID":"\#(uid)"}"#
        )
        #expect(response.status == .ok, "\(response.text)")
        #expect(response.json == .object(["message": .string("User registered successfully"), "userId": .number(0)]))
        return V1User(id: uid, username: username, token: token)
    }

    /// `GET` or `POST` on `/api/v1/users/<path>` as `user`.
    func call(_ method: HTTPRequest.Method, _ path: String, as user: V1User?, json: String? = nil) async throws -> APIResponse {
        try await server.request(method, "/api/v1/users/\(path)", token: user?.token, json: json)
    }

    /// Makes `a` and `b` friends through R9 and R10.
    func befriend(_ a: V1User, _ b: V1User) async throws {
        let sent = try await call(.post, "sendFriendRequest", as: a, json: #"{"user_id":"\#(a.id)","friend_id":"\#(b.id)"}"#)
        #expect(sent.status == .ok, "\(sent.text)")
        let accepted = try await call(.post, "acceptFriendRequest", as: b, json: #"{"user_id":"\#(b.id)","friend_id":"\#(a.id)"}"#)
        #expect(accepted.status == .ok, "\(accepted.text)")
    }
}

/// Expects a v1 error: `status` and a `{"message": ...}` JSON body (equal to `message` when given).
func expectV1Error(
    _ response: APIResponse,
    _ status: HTTPResponse.Status,
    _ message: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.json.keys == ["message"], "\(response.text)", sourceLocation: sourceLocation)
    if let message { #expect(response.json["message"].string == message, "\(response.text)", sourceLocation: sourceLocation) }
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
}
