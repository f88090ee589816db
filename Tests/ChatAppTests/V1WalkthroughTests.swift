import Foundation
import Testing

/// The original app's flows over v1 HTTP with Firebase tokens: sign-up, search, befriend, chat, scroll, badges.
@Suite("V1 walk-through", .timeLimit(.minutes(10)))
struct V1WalkthroughTests {
    @Test func registerSearchBefriendChatAndScroll() async throws {
        try await V1Harness.run { v1 in
            let alice = try await v1.register("alice")
            let bob = try await v1.register("bob")

            let typeahead = try await v1.call(.get, "fetchRecommendation/bo", as: alice)
            #expect(typeahead.json.array.map { $0["username"].string } == ["bob"])
            #expect(typeahead.json[0]["status"].string == "unknown")
            let request = try await v1.call(.post, "sendFriendRequest", as: alice, json: #"{"user_id":"\#(alice.id)","friend_id":"\#(bob.id)"}"#)
            #expect(request.status == .ok)
            let bobSearch = try await v1.call(.get, "fetchSearchAll/ali", as: bob)
            #expect(bobSearch.json[0]["status"].string == "ToBeAccepted")
            let inbox = try await v1.call(.get, "displayFriendRequests/\(bob.id)", as: bob)
            #expect(inbox.json.array.map { $0["user_id"].string } == [alice.id])
            let accept = try await v1.call(
                .post,
                "acceptFriendRequest",
                as: bob,
                json: #"{"user_id":"\#(bob.id)","friend_id":"\#(inbox.json[0]["user_id"].string ?? "")"}"#
            )
            #expect(accept.status == .ok)
            #expect(try await v1.call(.get, "getAllUsers/\(bob.id)", as: bob).json.array.map { $0["id"].string } == [alice.id])
            #expect(try await v1.call(.get, "fetchRecommendation/bo", as: alice).json[0]["status"].string == "accepted")

            var sent: [String] = []
            for index in 0..<20 {
                let saved = try await v1.call(
                    .post,
                    "saveMessage",
                    as: alice,
                    json: #"{"sender_id":"\#(alice.id)","receiver_id":"\#(bob.id)","content":"message \#(index)"}"#
                )
                #expect(saved.status == .ok, "\(saved.text)")
                sent.append(saved.json["id"].string ?? "")
            }
            let reply = try await v1.call(
                .post,
                "saveMessage",
                as: bob,
                json: #"{"sender_id":"\#(bob.id)","receiver_id":"\#(alice.id)","content":"hi"}"#
            )
            sent.append(reply.json["id"].string ?? "")
            let badges = try await v1.call(.get, "getUnreadMessages?userId=\(bob.id)", as: bob)
            #expect(badges.json == .array([.object(["sender_id": .string(alice.id), "unread_count": .number(20)])]))

            var paged: [String] = []
            var path = "showConversation?userId1=\(bob.id)&userId2=\(alice.id)"
            var pages = 0
            while pages < 5 {
                let page = try await v1.call(.get, path, as: bob)
                #expect(page.status == .ok, "\(page.text)")
                let rows = page.json.array
                #expect(rows.count <= 15)
                guard let oldest = rows.last, let id = oldest["id"].string, let time = oldest["created_at"].string else { break }
                paged += rows.compactMap { $0["id"].string }
                let encodedTime = time.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? time
                path = "showConversation?userId1=\(bob.id)&userId2=\(alice.id)&timestamp=\(encodedTime)&messageId=\(id)"
                pages += 1
            }
            #expect(pages == 2)
            #expect(paged == sent.reversed(), "15 then 6, newest first, no gaps or repeats")
            #expect(try await v1.call(.get, "getUnreadMessages?userId=\(bob.id)", as: bob).json == .array([]))
            let aliceBadges = try await v1.call(.get, "getUnreadMessages?userId=\(alice.id)", as: alice)
            #expect(aliceBadges.json == .array([.object(["sender_id": .string(bob.id), "unread_count": .number(1)])]))
        }
    }

    /// The same flows plus realtime and files, driven by python-socketio and plain HTTP against a real `chatblizz serve`
    /// that verifies Firebase ID tokens against a local certificate endpoint (`Tests/Interop/v1/walkthrough.py`).
    @Test func originalAppWithPythonSocketIOAndFirebaseTokens() async throws {
        guard await Interop.available(), let binary = Interop.serverBinary else { return }
        let output = try await Interop.run("walkthrough.py", ["--server-bin", binary], in: "v1")
        #expect(output.contains(" passed, 0 failed"), "\(output)")
    }
}
