import ChatCore
import ChatTestSupport
import Foundation
import HTTPTypes
import Testing

/// The holes of the original closed: ids that must be the caller's own, and token checks on every route.
@Suite("V1 security")
struct V1SecurityTests {
    @Test func everyRouteRefusesSomeoneElsesID() async throws {
        try await V1Harness.run { v1 in
            let alice = try await v1.register("alice")
            let bob = try await v1.register("bob")
            let carol = try await v1.register("carol")
            try await v1.befriend(bob, carol)
            let calls: [(HTTPRequest.Method, String, String?)] = [
                (.get, "getAllUsers/\(bob.id)", nil),
                (.get, "getUserDetail/\(bob.id)/and/\(carol.id)", nil),
                (.get, "displayFriendRequests/\(bob.id)", nil),
                (.get, "showConversation?userId1=\(bob.id)&userId2=\(carol.id)", nil),
                (.get, "getUnreadMessages?userId=\(bob.id)", nil),
                (.post, "sendFriendRequest", #"{"user_id":"\#(bob.id)","friend_id":"\#(carol.id)"}"#),
                (.post, "acceptFriendRequest", #"{"user_id":"\#(bob.id)","friend_id":"\#(carol.id)"}"#),
                (.post, "saveMessage", #"{"sender_id":"\#(bob.id)","receiver_id":"\#(carol.id)","content":"spoofed"}"#),
            ]
            for (method, path, json) in calls {
                let response = try await v1.call(method, path, as: alice, json: json)
                expectV1Error(response, .forbidden)
                #expect(response.json["message"].string?.hasPrefix("Forbidden: ") == true, "\(path)")
            }
            let register = #"{"username":"eve","email":"eve@example.com","fireBaseID":"\#(bob.id)"}"#
            let eveToken = try await v1.key.token(uid: "uid-eve", email: "eve@example.com")
            expectV1Error(try await v1.server.request(.post, "/api/v1/users/register", token: eveToken, json: register), .forbidden)
            let conversation = try await v1.call(.get, "showConversation?userId1=\(carol.id)&userId2=\(bob.id)", as: carol)
            #expect(conversation.json == .array([]), "nothing was sent as bob")
        }
    }

    @Test func rejectedTokensOnV1() async throws {
        try await V1Harness.run { v1 in
            let alice = try await v1.register("alice")
            let key = v1.key
            var wrongAudience = FirebaseTestClaims.v1(uid: alice.id, email: nil)
            wrongAudience.aud = "another-project"
            var wrongIssuer = FirebaseTestClaims.v1(uid: alice.id, email: nil)
            wrongIssuer.iss = "https://securetoken.google.com/another-project"
            var expired = FirebaseTestClaims.v1(uid: alice.id, email: nil)
            expired.exp = Timestamp.now().milliseconds / 1000 - 3600
            var futureIssued = FirebaseTestClaims.v1(uid: alice.id, email: nil)
            futureIssued.iat = Timestamp.now().milliseconds / 1000 + 3600
            let tokens = [
                try await key.sign(wrongAudience),
                try await key.sign(wrongIssuer),
                try await key.sign(expired),
                try await key.sign(futureIssued),
                try await key.sign(FirebaseTestClaims.v1(uid: alice.id, email: nil), kid: "unknown-kid"),
                try key.unsigned(FirebaseTestClaims.v1(uid: alice.id, email: nil)),
                try await key.signConfused(FirebaseTestClaims.v1(uid: alice.id, email: nil)),
                "not-a-token",
            ]
            for token in tokens {
                let response = try await v1.server.request(.get, "/api/v1/users/getAllUsers/\(alice.id)", token: token)
                expectV1Error(response, .unauthorized, "Forbidden: Invalid token")
            }
            let missing = try await v1.server.request(.get, "/api/v1/users/getAllUsers/\(alice.id)")
            expectV1Error(missing, .badRequest, "Unauthorized: No token provided")
            let basic = try await v1.server.request(
                .get,
                "/api/v1/users/getAllUsers/\(alice.id)",
                headers: [.authorization: "Basic abc"]
            )
            expectV1Error(basic, .badRequest, "Unauthorized: No token provided")
            let v2 = try await v1.server.request(.get, "/api/v2/friends", token: try await key.sign(expired))
            expectError(v2, .unauthorized, code: "unauthenticated")
        }
    }

    @Test func firstFirebaseLoginProvisionsOrRefuses() async throws {
        try await V1Harness.run { v1 in
            let withEmail = try await v1.key.token(uid: "uid-dora", email: "Dora.Explorer+x@example.com")
            let first = try await v1.server.request(.get, "/api/v1/users/getAllUsers/uid-dora", token: withEmail)
            #expect(first.status == .created, "\(first.text)")
            let me = try await v1.server.request(.get, "/api/v2/me", token: withEmail)
            #expect(me.status == .ok, "\(me.text)")
            #expect(me.json["user"]["username"].string == "Dora.Explorerx")
            let clash = try await v1.key.token(uid: "uid-dora2", email: "dora.explorer+x@other.example")
            #expect(try await v1.server.request(.get, "/api/v2/me", token: clash).json["user"]["username"].string == "dora.explorerx2")
            let noEmail = try await v1.key.token(uid: "uid-ghost", email: nil)
            expectV1Error(
                try await v1.server.request(.get, "/api/v1/users/getAllUsers/uid-ghost", token: noEmail),
                .unauthorized,
                "Forbidden: Invalid token"
            )
            expectError(try await v1.server.request(.get, "/api/v2/me", token: noEmail), .unauthorized)
        }
    }
}
