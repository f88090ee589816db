import HTTPTypes
import Testing

/// The acceptance walk-through of the v2 API over real TCP, on every database.
@Suite("End to end over HTTP")
struct EndToEndTests {
    @Test(arguments: TestBackend.allCases)
    func twoUsersBefriendMessagePageAndRead(_ backend: TestBackend) async throws {
        try await TestServer.run(backend) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")

            // Search by prefix and substring, with relationship.
            let search = try await server.request(.get, "/api/v2/users?q=BO", token: alice.token)
            #expect(search.status == .ok)
            #expect(search.json["users"].array.map { $0["user"]["username"].string } == ["bob"])
            #expect(search.json["users"][0]["relationship"].string == "none")
            #expect(search.json["users"][0]["user"]["email"].isNull, "other users' emails stay private")

            // Befriend: request, pending lists, accept.
            let request = try await server.request(.post, "/api/v2/friends/requests", token: alice.token, json: #"{"userId":"\#(bob.id)"}"#)
            #expect(request.status == .created)
            #expect(request.json["friendship"]["status"].string == "pending")
            #expect(request.json["friendship"]["direction"].string == "outgoing")
            let incoming = try await server.request(.get, "/api/v2/friends/requests?direction=incoming", token: bob.token)
            #expect(incoming.json["requests"].array.map { $0["userId"].string } == [alice.id])
            let outgoing = try await server.request(.get, "/api/v2/friends/requests?direction=outgoing", token: alice.token)
            #expect(outgoing.json["requests"].array.map { $0["user"]["username"].string } == ["bob"])
            let pendingSearch = try await server.request(.get, "/api/v2/users?q=ali", token: bob.token)
            #expect(pendingSearch.json["users"][0]["relationship"].string == "incoming_request")
            let accept = try await server.request(.post, "/api/v2/friends/requests/\(alice.id)/accept", token: bob.token)
            #expect(accept.status == .ok)
            #expect(accept.json["friendship"]["status"].string == "accepted")
            let friends = try await server.request(.get, "/api/v2/friends", token: alice.token)
            #expect(friends.json["friends"].array.map { $0["user"]["username"].string } == ["bob"])

            // Messages both ways, an idempotent retry, history pages.
            var sentIDs: [String] = []
            for index in 0..<25 {
                let (from, to) = index.isMultiple(of: 2) ? (alice, bob) : (bob, alice)
                let sent = try await server.request(
                    .post,
                    "/api/v2/conversations/\(to.id)/messages",
                    token: from.token,
                    json: #"{"text":"message \#(index)","clientMessageId":"c-\#(index)"}"#
                )
                #expect(sent.status == .created, "\(sent.text)")
                sentIDs.append(sent.json["message"]["id"].string ?? "")
            }
            let retry = try await server.request(
                .post,
                "/api/v2/conversations/\(bob.id)/messages",
                token: alice.token,
                json: #"{"text":"message 0 again","clientMessageId":"c-0"}"#
            )
            #expect(retry.status == .ok)
            #expect(retry.json["message"]["id"].string == sentIDs[0])
            #expect(retry.json["message"]["text"].string == "message 0")
            let carolFriend = try await server.register("carolsfriend")
            try await server.befriend(alice, carolFriend)
            let crossed = try await server.request(
                .post,
                "/api/v2/conversations/\(carolFriend.id)/messages",
                token: alice.token,
                json: #"{"text":"reused key","clientMessageId":"c-0"}"#
            )
            expectError(crossed, .conflict)

            var pagedIDs: [String] = []
            var cursor: String?
            repeat {
                let path = "/api/v2/conversations/\(alice.id)/messages?limit=10" + (cursor.map { "&before=\($0)" } ?? "")
                let page = try await server.request(.get, path, token: bob.token)
                #expect(page.status == .ok, "\(page.text)")
                pagedIDs += page.json["messages"].array.compactMap { $0["id"].string }
                cursor = page.json["nextCursor"].string
                #expect(page.json["hasMore"].bool == (cursor != nil))
            } while cursor != nil
            #expect(pagedIDs == sentIDs.reversed(), "history is the sent order, newest first, without gaps or repeats")
            let newer = try await server.request(.get, "/api/v2/conversations/\(alice.id)/messages?after=\(sentIDs[20])", token: bob.token)
            #expect(newer.json["messages"].array.compactMap { $0["id"].string } == sentIDs[21...].reversed())
            #expect(newer.json["hasMore"].bool == false)

            // Unread counts drop to zero after reading.
            let bobConversations = try await server.request(.get, "/api/v2/conversations", token: bob.token)
            #expect(bobConversations.json["conversations"][0]["peerId"].string == alice.id)
            #expect(bobConversations.json["conversations"][0]["unreadCount"].int == 13)
            let read = try await server.request(
                .post,
                "/api/v2/conversations/\(alice.id)/read",
                token: bob.token,
                json: #"{"upTo":"\#(sentIDs[24])"}"#
            )
            #expect(read.status == .ok)
            #expect(read.json["updated"].int == 13)
            let after = try await server.request(.get, "/api/v2/conversations", token: bob.token)
            #expect(after.json["conversations"][0]["unreadCount"].int == 0)
            #expect(after.json["conversations"][0]["lastMessage"]["id"].string == sentIDs[24])

            // Edit and delete by the sender only.
            let edit = try await server.request(.patch, "/api/v2/messages/\(sentIDs[0])", token: alice.token, json: #"{"text":"edited"}"#)
            #expect(edit.json["message"]["text"].string == "edited")
            #expect(edit.json["message"]["editedAt"].string != nil)
            expectError(try await server.request(.patch, "/api/v2/messages/\(sentIDs[0])", token: bob.token, json: #"{"text":"x"}"#), .forbidden)
            let delete = try await server.request(.delete, "/api/v2/messages/\(sentIDs[2])", token: alice.token)
            #expect(delete.json["message"]["deleted"].bool == true)
            #expect(delete.json["message"]["text"].string == "")

            // A third user cannot see or touch their conversation.
            expectError(try await server.request(.patch, "/api/v2/messages/\(sentIDs[0])", token: carol.token, json: #"{"text":"x"}"#), .notFound)
            expectError(try await server.request(.delete, "/api/v2/messages/\(sentIDs[1])", token: carol.token), .notFound)
            expectError(
                try await server.request(.post, "/api/v2/conversations/\(alice.id)/read", token: carol.token, json: #"{"upTo":"\#(sentIDs[0])"}"#),
                .notFound
            )
            expectError(
                try await server.request(.get, "/api/v2/conversations/\(alice.id)/messages?before=\(sentIDs[3])", token: carol.token),
                .badRequest
            )
            let carolsView = try await server.request(.get, "/api/v2/conversations/\(alice.id)/messages", token: carol.token)
            #expect(carolsView.json["messages"].array.isEmpty)
            expectError(
                try await server.request(.post, "/api/v2/conversations/\(alice.id)/messages", token: carol.token, json: #"{"text":"hi"}"#),
                .forbidden
            )

            // Blocking stops messages both ways and removes the friendship.
            let block = try await server.request(.post, "/api/v2/blocks", token: bob.token, json: #"{"userId":"\#(alice.id)"}"#)
            #expect(block.status == .noContent)
            expectError(
                try await server.request(.post, "/api/v2/conversations/\(bob.id)/messages", token: alice.token, json: #"{"text":"hi"}"#),
                .forbidden
            )
            expectError(
                try await server.request(.post, "/api/v2/conversations/\(alice.id)/messages", token: bob.token, json: #"{"text":"hi"}"#),
                .forbidden
            )
            expectError(
                try await server.request(.post, "/api/v2/friends/requests", token: alice.token, json: #"{"userId":"\#(bob.id)"}"#),
                .forbidden
            )
            #expect(
                try await server.request(.get, "/api/v2/friends", token: alice.token).json["friends"].array.map { $0["userId"].string } == [
                    carolFriend.id
                ]
            )
            let blocks = try await server.request(.get, "/api/v2/blocks", token: bob.token)
            #expect(blocks.json["blocks"].array.map { $0["userId"].string } == [alice.id])
            #expect(try await server.request(.delete, "/api/v2/blocks/\(alice.id)", token: bob.token).status == .noContent)
            // History survives the block.
            let history = try await server.request(.get, "/api/v2/conversations/\(bob.id)/messages?limit=100", token: alice.token)
            #expect(history.json["messages"].array.count == 25)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func friendRequestLifecycle(_ backend: TestBackend) async throws {
        try await TestServer.run(backend) { server in
            let dan = try await server.register("dan")
            let eve = try await server.register("eve")
            // Reverse request while one is pending accepts it.
            #expect(
                try await server.request(.post, "/api/v2/friends/requests", token: dan.token, json: #"{"userId":"\#(eve.id)"}"#).status == .created
            )
            expectError(try await server.request(.post, "/api/v2/friends/requests", token: dan.token, json: #"{"userId":"\#(eve.id)"}"#), .conflict)
            let reverse = try await server.request(.post, "/api/v2/friends/requests", token: eve.token, json: #"{"userId":"\#(dan.id)"}"#)
            #expect(reverse.status == .ok)
            #expect(reverse.json["friendship"]["status"].string == "accepted")
            // Unfriend, then request again, reject, request again, cancel.
            #expect(try await server.request(.delete, "/api/v2/friends/\(eve.id)", token: dan.token).status == .noContent)
            expectError(try await server.request(.delete, "/api/v2/friends/\(eve.id)", token: dan.token), .notFound)
            #expect(
                try await server.request(.post, "/api/v2/friends/requests", token: eve.token, json: #"{"userId":"\#(dan.id)"}"#).status == .created
            )
            let reject = try await server.request(.post, "/api/v2/friends/requests/\(eve.id)/reject", token: dan.token)
            #expect(reject.json["friendship"]["status"].string == "rejected")
            expectError(try await server.request(.post, "/api/v2/friends/requests/\(eve.id)/accept", token: dan.token), .notFound)
            #expect(
                try await server.request(.post, "/api/v2/friends/requests", token: eve.token, json: #"{"userId":"\#(dan.id)"}"#).status == .created
            )
            expectError(try await server.request(.delete, "/api/v2/friends/requests/\(eve.id)", token: dan.token), .notFound)
            #expect(try await server.request(.delete, "/api/v2/friends/requests/\(dan.id)", token: eve.token).status == .noContent)
            #expect(try await server.request(.get, "/api/v2/friends/requests", token: dan.token).json["requests"].array.isEmpty)
            // No self-requests, unknown users.
            expectError(
                try await server.request(.post, "/api/v2/friends/requests", token: dan.token, json: #"{"userId":"\#(dan.id)"}"#),
                .unprocessableContent
            )
            expectError(try await server.request(.post, "/api/v2/friends/requests", token: dan.token, json: #"{"userId":"nobody"}"#), .notFound)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func accountLifecycle(_ backend: TestBackend) async throws {
        try await TestServer.run(backend) { server in
            _ = try await server.register("frank")
            let login = try await server.request(
                .post,
                "/api/v2/auth/login",
                json: #"{"login":"FRANK@example.com","password":"correct horse battery"}"#
            )
            #expect(login.status == .ok)
            let token = login.json["accessToken"].string ?? ""
            let refreshToken = login.json["refreshToken"].string ?? ""
            let me = try await server.request(.get, "/api/v2/me", token: token)
            #expect(me.json["user"]["email"].string == "frank@example.com")
            let patched = try await server.request(
                .patch,
                "/api/v2/me",
                token: token,
                json: #"{"displayName":"Frank F","avatarUrl":"https://img.example/f.png"}"#
            )
            #expect(patched.json["user"]["displayName"].string == "Frank F")
            let cleared = try await server.request(.patch, "/api/v2/me", token: token, json: #"{"displayName":null}"#)
            #expect(cleared.json["user"]["displayName"].isNull)
            #expect(cleared.json["user"]["avatarUrl"].string == "https://img.example/f.png")
            let refreshed = try await server.request(.post, "/api/v2/auth/refresh", json: #"{"refreshToken":"\#(refreshToken)"}"#)
            #expect(refreshed.status == .ok)
            let reused = try await server.request(.post, "/api/v2/auth/refresh", json: #"{"refreshToken":"\#(refreshToken)"}"#)
            expectError(reused, .unauthorized, code: "unauthenticated")
            let newRefresh = refreshed.json["refreshToken"].string ?? ""
            expectError(try await server.request(.post, "/api/v2/auth/refresh", json: #"{"refreshToken":"\#(newRefresh)"}"#), .unauthorized)
            let again = try await server.request(.post, "/api/v2/auth/login", json: #"{"login":"frank","password":"correct horse battery"}"#)
            let logout = try await server.request(
                .post,
                "/api/v2/auth/logout",
                json: #"{"refreshToken":"\#(again.json["refreshToken"].string ?? "")"}"#
            )
            #expect(logout.status == .noContent)
            expectError(
                try await server.request(.post, "/api/v2/auth/refresh", json: #"{"refreshToken":"\#(again.json["refreshToken"].string ?? "")"}"#),
                .unauthorized
            )
            expectError(try await server.request(.post, "/api/v2/auth/login", json: #"{"login":"frank","password":"wrong password"}"#), .unauthorized)
            let health = try await server.request(.get, "/health")
            #expect(health.json["status"].string == "ok")
            #expect(try await server.request(.get, "/ready").status == .ok)
        }
    }
}
