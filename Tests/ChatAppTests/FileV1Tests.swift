import Foundation
import HTTPTypes
import Testing

/// R12 `POST /api/v1/users/fileUpload`: the original's multipart form and answer, on the streamed upload path.
@Suite("V1 file upload contract")
struct FileV1Tests {
    @Test func r12UploadsFilesAsMessagesInTheOriginalShape() async throws {
        try await V1Harness.run { v1 in
            let alice = try await v1.register("alice")
            let bob = try await v1.register("bob")
            let carol = try await v1.register("carol")
            try await v1.befriend(alice, bob)
            let picture = FileSamples.png(width: 32, height: 16, padding: 5000)
            let document = Array("%PDF-1.4\n".utf8) + [UInt8](repeating: 0x41, count: 3000) + Array("\n%%EOF\n".utf8)
            var form = MultipartBody()
            form.file("holiday.png", picture, contentType: "image/png")
            form.file("notes.pdf", document, contentType: "application/pdf")
            form.field("sender_id", alice.id)
            form.field("receiver_id", bob.id)
            let response = try await v1.server.upload("/api/v1/users/fileUpload", token: alice.token, form)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json.keys == ["messages"])
            let messages = response.json["messages"].array
            try #require(messages.count == 2)
            for (message, name) in zip(messages, ["holiday.png", "notes.pdf"]) {
                #expect(
                    message.keys == [
                        "id", "sender_id", "receiver_id", "message", "fileName", "message_type", "fileId", "fileUrl", "originalname", "created_at",
                        "delivered",
                    ]
                )
                #expect(message["sender_id"].string == alice.id && message["receiver_id"].string == bob.id)
                #expect(message["message_type"].string == "file" && message["delivered"].bool == false)
                #expect(message["fileName"].string == name && message["originalname"].string == name)
                #expect(message["message"].string == message["fileUrl"].string)
                let fileID = message["fileId"].string ?? ""
                #expect(message["fileUrl"].string?.hasPrefix("/api/v1/files/\(fileID)?expires=") == true, "\(message)")
            }
            // The link is signed: a plain `<img src>` loads it without a token.
            let link = messages[0]["fileUrl"].string ?? ""
            let linked = try await v1.server.raw(.get, link, token: nil)
            #expect(linked.status == .ok && linked.body == picture)
            #expect(linked.headers[.contentType] == "image/png")
            // An altered link, one for another file, or none at all is an unknown file.
            let fileID = messages[0]["fileId"].string ?? ""
            let otherID = messages[1]["fileId"].string ?? ""
            let query = link.split(separator: "?").last.map(String.init) ?? ""
            #expect(try await v1.server.raw(.get, "/api/v1/files/\(otherID)?\(query)", token: nil).status == .notFound)
            #expect(try await v1.server.raw(.get, "/api/v1/files/\(fileID)", token: nil).status == .notFound)
            let tampered = link.replacingOccurrences(of: "expires=", with: "expires=1")
            #expect(try await v1.server.raw(.get, tampered, token: nil).status == .notFound)
            // The v2 route still needs the token: the recipient downloads with the same Firebase token; a stranger cannot.
            let url = "/api/v2/files/\(fileID)"
            let download = try await v1.server.raw(.get, url, token: bob.token)
            #expect(download.status == .ok && download.body == picture)
            #expect(try await v1.server.raw(.get, url, token: carol.token).status == .notFound)
            #expect(try await v1.server.raw(.get, url, token: nil).status == .unauthorized)

            // History rows show the files the original way.
            let history = try await v1.call(.get, "showConversation?userId1=\(bob.id)&userId2=\(alice.id)", as: bob)
            let rows = history.json.array
            #expect(rows.prefix(2).map { $0["message_type"].string } == ["file", "file"])
            #expect(rows.prefix(2).map { $0["fileName"].string } == ["notes.pdf", "holiday.png"])
            // Each answer signs afresh: the same file, a link of its own.
            let rowLink = rows.first?["message"].string ?? ""
            #expect(rowLink.hasPrefix("/api/v1/files/\(otherID)?expires="), "\(rowLink)")
            #expect(try await v1.server.raw(.get, rowLink, token: nil).body == document)
            #expect(rows.first?["file_id"].string == messages[1]["fileId"].string)

            // Deleting the message ends its link too.
            let deleted = try await v1.server.request(.delete, "/api/v2/messages/\(messages[0]["id"].string ?? "")", token: alice.token)
            #expect(deleted.status == .ok)
            #expect(try await v1.server.raw(.get, link, token: nil).status == .notFound)
        }
    }

    @Test func r12RefusalsUseTheOriginalErrorShape() async throws {
        try await V1Harness.run { v1 in
            let alice = try await v1.register("alice")
            let bob = try await v1.register("bob")
            let carol = try await v1.register("carol")
            try await v1.befriend(alice, bob)
            func form(sender: String?, receiver: String?, file: [UInt8] = FileSamples.png()) -> MultipartBody {
                var body = MultipartBody()
                body.file("a.png", file)
                if let sender { body.field("sender_id", sender) }
                if let receiver { body.field("receiver_id", receiver) }
                return body
            }
            let path = "/api/v1/users/fileUpload"
            expectV1Error(
                try await v1.server.upload(path, token: alice.token, form(sender: alice.id, receiver: nil)).api,
                .badRequest,
                "Missing file or sender_id or receiver_id"
            )
            expectV1Error(try await v1.server.upload(path, token: alice.token, form(sender: bob.id, receiver: alice.id)).api, .forbidden)
            expectV1Error(try await v1.server.upload(path, token: alice.token, form(sender: alice.id, receiver: carol.id)).api, .forbidden)
            expectV1Error(
                try await v1.server.upload(path, token: alice.token, form(sender: alice.id, receiver: bob.id, file: FileSamples.elf)).api,
                .badRequest,
                "Unsupported or unknown file type"
            )
            let noToken = try await v1.server.raw(.post, path, token: nil, body: form(sender: alice.id, receiver: bob.id).closed)
            expectV1Error(noToken.api, .badRequest, "Unauthorized: No token provided")
            var empty = MultipartBody()
            empty.field("sender_id", alice.id)
            empty.field("receiver_id", bob.id)
            let none = try await v1.server.upload(path, token: alice.token, empty)
            #expect(none.status == .ok && none.json == .object(["messages": .array([])]), "\(none.text)")
            let history = try await v1.call(.get, "showConversation?userId1=\(alice.id)&userId2=\(bob.id)", as: alice)
            #expect(history.json.array.isEmpty, "no refused upload created a message")
        }
    }
}
