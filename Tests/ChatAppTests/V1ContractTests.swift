import Foundation
import HTTPTypes
import Testing

/// One contract test per v1 route: exact field names, status codes and shapes of the original API.
@Suite("V1 contract")
struct V1ContractTests {
    @Test func r1RegisterNeedsAMatchingFirebaseToken() async throws {
        try await V1Harness.run { v1 in
            _ = try await v1.register("alice")
            let body = #"{"username":"bob","email":"bob@example.com","fireBaseID":"uid-bob"}"#
            let noToken = try await v1.server.request(.post, "/api/v1/users/register", json: body)
            expectV1Error(noToken, .badRequest, "Unauthorized: No token provided")
            let other = try await v1.key.token(uid: "uid-mallory", email: "bob@example.com")
            expectV1Error(try await v1.server.request(.post, "/api/v1/users/register", token: other, json: body), .forbidden)
            let bob = try await v1.key.token(uid: "uid-bob", email: "bob@example.com")
            let missing = try await v1.server.request(.post, "/api/v1/users/register", token: bob, json: #"{"username":"bob"}"#)
            expectV1Error(missing, .badRequest, "email is missing")
            let taken = #"{"username":"alice","email":"bob@example.com","fireBaseID":"uid-bob"}"#
            expectV1Error(
                try await v1.server.request(.post, "/api/v1/users/register", token: bob, json: taken),
                .badRequest,
                "Username alice already exists in the database"
            )
            #expect(try await v1.server.request(.post, "/api/v1/users/register", token: bob, json: body).status == .ok)
        }
    }

    @Test func r2FriendListIs201EmptyThen200() async throws {
        try await V1Harness.run { v1 in
            let alice = try await v1.register("alice")
            let bob = try await v1.register("bob")
            let empty = try await v1.call(.get, "getAllUsers/\(alice.id)", as: alice)
            #expect(empty.status == .created)
            #expect(empty.json == .array([]))
            try await v1.befriend(alice, bob)
            let friends = try await v1.call(.get, "getAllUsers/\(alice.id)", as: alice)
            #expect(friends.status == .ok)
            #expect(friends.json == .array([.object(["id": .string(bob.id), "username": .string("bob"), "email": .string("bob@example.com")])]))
        }
    }

    @Test func r3AndR4SearchWithStatuses() async throws {
        try await V1Harness.run { v1 in
            let alice = try await v1.register("alice")
            let bob = try await v1.register("bobby")
            for index in 0..<7 { _ = try await v1.register("bob\(index)x") }
            let sent = try await v1.call(.post, "sendFriendRequest", as: bob, json: #"{"user_id":"\#(bob.id)","friend_id":"\#(alice.id)"}"#)
            #expect(sent.status == .ok)
            let typeahead = try await v1.call(.get, "fetchRecommendation/bob", as: alice)
            #expect(typeahead.status == .ok)
            #expect(typeahead.json.array.count == 6)
            #expect(typeahead.json[0].keys == ["id", "username", "email", "status"])
            let all = try await v1.call(.get, "fetchSearchAll/bob", as: alice)
            #expect(all.json.array.count == 8)
            #expect(all.json.array.first { $0["id"].string == bob.id }?["status"].string == "ToBeAccepted")
            #expect(all.json.array.filter { $0["id"].string != bob.id }.allSatisfy { $0["status"].string == "unknown" })
            let fromBob = try await v1.call(.get, "fetchSearchAll/ali", as: bob)
            #expect(fromBob.json.array.map { $0["status"].string } == ["pending"])
            let mine = try await v1.call(.get, "fetchSearchAll/alice", as: alice)
            #expect(mine.json == .array([]), "the caller is excluded")
            let wildcard = try await v1.call(.get, "fetchSearchAll/%25", as: alice)
            #expect(wildcard.status == .ok)
            #expect(wildcard.json == .array([]), "% is taken literally")
        }
    }

    @Test func r5UserDetail() async throws {
        try await V1Harness.run { v1 in
            let alice = try await v1.register("alice")
            let bob = try await v1.register("bob")
            let detail = try await v1.call(.get, "getUserDetail/\(alice.id)/and/\(bob.id)", as: alice)
            #expect(detail.status == .ok)
            #expect(detail.json.keys == ["id", "username", "email", "avatar", "created_at", "friendStatus"])
            #expect(detail.json["avatar"].isNull)
            #expect(detail.json["friendStatus"].string == "unknown")
            #expect(detail.json["created_at"].string?.hasSuffix("Z") == true)
            try await v1.befriend(alice, bob)
            let friends = try await v1.call(.get, "getUserDetail/\(alice.id)/and/\(bob.id)", as: alice)
            #expect(friends.json["friendStatus"].string == "accepted")
            expectV1Error(try await v1.call(.get, "getUserDetail/\(alice.id)/and/nobody", as: alice), .notFound)
        }
    }

    @Test func r6PendingRequests() async throws {
        try await V1Harness.run { v1 in
            let alice = try await v1.register("alice")
            let bob = try await v1.register("bob")
            let none = try await v1.call(.get, "displayFriendRequests/\(alice.id)", as: alice)
            #expect(none.status == .created)
            #expect(none.json == .object(["message": .string("No Pending Requests")]))
            _ = try await v1.call(.post, "sendFriendRequest", as: bob, json: #"{"user_id":"\#(bob.id)","friend_id":"\#(alice.id)"}"#)
            let pending = try await v1.call(.get, "displayFriendRequests/\(alice.id)", as: alice)
            #expect(pending.status == .ok)
            #expect(pending.json.array.count == 1)
            #expect(pending.json[0].keys == ["user_id", "status", "created_at", "username", "email"])
            #expect(pending.json[0]["user_id"].string == bob.id)
            #expect(pending.json[0]["status"].string == "pending")
        }
    }

    @Test func r7ToR11MessagesAndRequests() async throws {
        try await V1Harness.run { v1 in
            let alice = try await v1.register("alice")
            let bob = try await v1.register("bob")
            let notFriends = try await v1.call(
                .post,
                "saveMessage",
                as: alice,
                json: #"{"sender_id":"\#(alice.id)","receiver_id":"\#(bob.id)","content":"hi"}"#
            )
            expectV1Error(notFriends, .forbidden)
            let request = try await v1.call(.post, "sendFriendRequest", as: alice, json: #"{"user_id":"\#(alice.id)","friend_id":"\#(bob.id)"}"#)
            #expect(request.status == .ok)
            #expect(request.json == .object(["message": .string("Friend request sent successfully")]))
            expectV1Error(
                try await v1.call(.post, "sendFriendRequest", as: alice, json: #"{"user_id":"\#(alice.id)","friend_id":""}"#),
                .badRequest,
                "Empty friend_id"
            )
            let accept = try await v1.call(.post, "acceptFriendRequest", as: bob, json: #"{"user_id":"\#(bob.id)","friend_id":"\#(alice.id)"}"#)
            #expect(accept.json == .object(["message": .string("Friend request accepted")]))
            let again = try await v1.call(.post, "acceptFriendRequest", as: bob, json: #"{"user_id":"\#(bob.id)","friend_id":"\#(alice.id)"}"#)
            expectV1Error(again, .badRequest, "No pending friend request to accept")

            let saved = try await v1.call(
                .post,
                "saveMessage",
                as: alice,
                json: #"{"sender_id":"\#(alice.id)","receiver_id":"\#(bob.id)","content":"hello "}"#
            )
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(saved.json.keys == ["id", "sender_id", "receiver_id", "message", "message_type", "fileName", "delivered", "created_at"])
            #expect(saved.json["delivered"] == .bool(false))
            #expect(saved.json["fileName"].isNull)
            #expect(saved.json["message"].string == "hello ")
            #expect(saved.json["message_type"].string == "text")
            let createdAt = saved.json["created_at"].string ?? ""
            #expect(createdAt.count == 24 && createdAt.hasSuffix("Z"), "ISO-8601 UTC with milliseconds: \(createdAt)")
            expectV1Error(try await v1.call(.post, "saveMessage", as: alice, json: #"{"sender_id":"\#(alice.id)"}"#), .badRequest)

            let unread = try await v1.call(.get, "getUnreadMessages?userId=\(bob.id)", as: bob)
            #expect(unread.json == .array([.object(["sender_id": .string(alice.id), "unread_count": .number(1)])]))
            let page = try await v1.call(.get, "showConversation?userId1=\(bob.id)&userId2=\(alice.id)", as: bob)
            #expect(page.status == .ok)
            let keys: Set = ["id", "sender_id", "receiver_id", "group_id", "message", "file_id", "message_type", "is_read", "created_at"]
            #expect(page.json[0].keys == keys.union(["delivered", "delivered_at", "fileName"]))
            #expect(page.json[0]["id"] == saved.json["id"])
            #expect(page.json[0]["delivered"] == .number(0))
            #expect(page.json[0]["is_read"] == .number(0))
            #expect(page.json[0]["created_at"].string == createdAt)
            let afterOpen = try await v1.call(.get, "getUnreadMessages?userId=\(bob.id)", as: bob)
            #expect(afterOpen.json == .array([]), "opening the chat marks it read")
            let senderView = try await v1.call(.get, "showConversation?userId1=\(alice.id)&userId2=\(bob.id)", as: alice)
            #expect(senderView.json[0]["delivered"] == .number(1))
            #expect(senderView.json[0]["is_read"] == .number(1))
            expectV1Error(
                try await v1.call(.get, "showConversation?userId1=\(bob.id)", as: bob),
                .badRequest,
                "Both userId1 and userId2 are required"
            )
            expectV1Error(
                try await v1.call(.get, "getUnreadMessages", as: bob),
                .badRequest,
                "userId is required to fetch messages"
            )
        }
    }

    // R12 fileUpload: see FileV1Tests.

    @Test func everyErrorIsJSONMessage() async throws {
        try await V1Harness.run { v1 in
            let alice = try await v1.register("alice")
            expectV1Error(try await v1.call(.get, "noSuchRoute", as: alice), .notFound)
            expectV1Error(try await v1.server.request(.get, "/api/v1/elsewhere"), .notFound)
            let percent = try await v1.call(.get, "fetchSearchAll/%", as: alice)
            #expect(percent.status == .badRequest || percent.status == .notFound)
            #expect(percent.json["message"].string != nil)
            expectV1Error(try await v1.call(.get, "getAllUsers/%zz", as: alice), .badRequest)
            expectV1Error(try await v1.call(.post, "sendFriendRequest", as: alice, json: "{not json"), .badRequest)
            expectV1Error(try await v1.call(.post, "saveMessage", as: alice, json: #"{"sender_id":5}"#), .badRequest)
            expectV1Error(try await v1.call(.post, "register", as: nil, json: "{}"), .badRequest, "username is missing")
        }
    }
}
