import AsyncTestSupport
import ChatApp
import ChatCore
import Foundation
import HTTPTypes
import Testing

/// Uploads and downloads over real TCP against an in-process server with local file storage.
@Suite("File messages over HTTP")
struct FileUploadTests {
    /// Runs `body` with a fresh files directory, returned to the body for counting what is stored.
    static func run(
        _ backend: TestBackend = .sqlite,
        limits: FileLimits = FileLimits(),
        body: @escaping @Sendable (TestServer, String) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-files-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await TestServer.run(
            backend,
            configure: {
                $0.files.directory = directory
                $0.files.limits = limits
            },
            body: { server in try await body(server, directory) }
        )
    }

    @Test(arguments: TestBackend.allCases)
    func uploadDownloadRangeHistoryAndDelete(_ backend: TestBackend) async throws {
        try await Self.run(backend) { server, directory in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            try await server.befriend(alice, bob)

            let image = FileSamples.png(width: 640, height: 480, padding: 300_000)
            let text = Array("hello, wörld\n".utf8)
            var form = MultipartBody()
            form.file("../../etc/passwd", text, contentType: "image/png")
            form.file("photo ünïcode.png", image, contentType: "text/plain")
            let response = try await server.upload("/api/v2/conversations/\(bob.id)/files", token: alice.token, form)
            #expect(response.status == .created, "\(response.text)")
            let messages = response.json["messages"].array
            try #require(messages.count == 2)
            #expect(messages.map { $0["kind"].string } == ["file", "file"])
            let passwd = messages[0]["file"]
            #expect(passwd["name"].string == "passwd", "path components are stripped")
            #expect(passwd["contentType"].string == "text/plain; charset=utf-8", "the claimed type is ignored")
            #expect(passwd["size"].int == text.count)
            let photo = messages[1]["file"]
            #expect(photo["name"].string == "photo ünïcode.png")
            #expect(photo["contentType"].string == "image/png")
            #expect(photo["size"].int == image.count)
            #expect(photo["sha256"].string == FileSamples.sha256(image))
            #expect(photo["width"].int == 640 && photo["height"].int == 480)
            #expect(storedFileCount(directory) == 2)
            let fileID = photo["id"].string ?? ""

            // The recipient downloads the whole file, then a range.
            let download = try await server.raw(.get, "/api/v2/files/\(fileID)", token: bob.token)
            #expect(download.status == .ok)
            #expect(download.body == image)
            #expect(download.headers[.contentType] == "image/png")
            #expect(download.headers[.contentLength] == String(image.count))
            #expect(download.headers[.acceptRanges] == "bytes")
            #expect(download.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(
                download.headers[.contentDisposition] == "attachment; filename=\"photo _n_code.png\"; filename*=UTF-8''photo%20%C3%BCn%C3%AFcode.png"
            )
            let range = try await server.raw(.get, "/api/v2/files/\(fileID)", token: bob.token, headers: [.range: "bytes=100-199"])
            #expect(range.status == .partialContent)
            #expect(range.body == Array(image[100..<200]))
            #expect(range.headers[.contentRange] == "bytes 100-199/\(image.count)")
            let suffix = try await server.raw(.get, "/api/v2/files/\(fileID)", token: alice.token, headers: [.range: "bytes=-10"])
            #expect(suffix.status == .partialContent && suffix.body == Array(image.suffix(10)))
            let beyond = try await server.raw(.get, "/api/v2/files/\(fileID)", token: bob.token, headers: [.range: "bytes=\(image.count)-"])
            #expect(beyond.status == .rangeNotSatisfiable)
            #expect(beyond.headers[.contentRange] == "bytes */\(image.count)")

            // A stranger cannot tell the file exists.
            expectError(try await server.raw(.get, "/api/v2/files/\(fileID)", token: carol.token).api, .notFound, code: "not_found")
            expectError(try await server.raw(.get, "/api/v2/files/nope", token: bob.token).api, .notFound)

            // History carries the file; deleting the message ends downloads.
            let history = try await server.request(.get, "/api/v2/conversations/\(alice.id)/messages", token: bob.token)
            #expect(history.json["messages"].array.map { $0["file"]["name"].string } == ["photo ünïcode.png", "passwd"])
            let messageID = messages[1]["id"].string ?? ""
            let deleted = try await server.request(.delete, "/api/v2/messages/\(messageID)", token: alice.token)
            #expect(deleted.status == .ok)
            #expect(deleted.json["message"]["file"].isNull)
            expectError(try await server.raw(.get, "/api/v2/files/\(fileID)", token: bob.token).api, .notFound)
            // Its bytes are removed from the store (by the node's FileCleanup, after the deletion event).
            let removed: Void? = await withDeadline(.seconds(10)) {
                while !Task.isCancelled, storedFileCount(directory) != 1 { try? await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(removed != nil, "the deleted message's file is still stored")
            let edit = try await server.request(
                .patch,
                "/api/v2/messages/\(messages[0]["id"].string ?? "")",
                token: alice.token,
                json: #"{"text":"x"}"#
            )
            expectError(edit, .conflict)
        }
    }

    @Test func badUploadsAreRefusedAndLeaveNothingBehind() async throws {
        var limits = FileLimits()
        limits.maxFileBytes = 64 * 1024
        limits.maxFilesPerRequest = 3
        try await Self.run(limits: limits) { server, directory in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let stranger = try await server.register("stranger")
            try await server.befriend(alice, bob)
            let path = "/api/v2/conversations/\(bob.id)/files"
            let good = FileSamples.png()

            // Over the per-file limit, after a good file: 413 and the good file is gone too.
            var tooBig = MultipartBody()
            tooBig.file("ok.png", good)
            tooBig.file("big.png", FileSamples.png(padding: 100_000))
            let big = try await server.upload(path, token: alice.token, tooBig)
            expectError(big.api, .contentTooLarge, code: "payload_too_large")
            #expect(big.json["error"]["message"].string?.contains("65536") == true, "\(big.text)")

            // An ELF executable called .png, after a good file.
            var elf = MultipartBody()
            elf.file("ok.png", good)
            elf.file("cat.png", FileSamples.elf, contentType: "image/png")
            expectError(try await server.upload(path, token: alice.token, elf).api, .unsupportedMediaType, code: "unsupported_media_type")

            // Missing, empty and overlong boundaries; not multipart at all.
            var plain = MultipartBody()
            plain.file("ok.png", good)
            for contentType in [
                "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\(String(repeating: "b", count: 71))",
                "application/json",
            ] {
                let response = try await server.raw(.post, path, token: alice.token, body: plain.closed, headers: [.contentType: contentType])
                expectError(response.api, .badRequest, code: "invalid_request")
            }
            expectError(try await server.raw(.post, path, token: alice.token, body: plain.closed).api, .badRequest)

            // Truncated: no closing boundary, and cut inside a part.
            var truncated = MultipartBody()
            truncated.file("ok.png", good)
            expectError(try await server.upload(path, token: alice.token, truncated, closed: false).api, .badRequest, code: "invalid_request")
            let cut = try await server.raw(
                .post,
                path,
                token: alice.token,
                body: Array(truncated.closed.dropLast(100)),
                headers: [.contentType: truncated.contentType]
            )
            expectError(cut.api, .badRequest, code: "invalid_request")

            // A thousand tiny parts, and more files than allowed.
            var tiny = MultipartBody()
            for index in 0..<1000 { tiny.field("f\(index)", "x") }
            let flood = try await server.upload(path, token: alice.token, tiny)
            #expect((400..<500).contains(flood.status.code), "\(flood.text)")
            var many = MultipartBody()
            for index in 0..<4 { many.file("\(index).png", good) }
            expectError(try await server.upload(path, token: alice.token, many).api, .contentTooLarge)

            // No files at all; peers that may not be messaged.
            var empty = MultipartBody()
            empty.field("note", "no files")
            expectError(try await server.upload(path, token: alice.token, empty).api, .badRequest)
            expectError(try await server.upload("/api/v2/conversations/\(stranger.id)/files", token: alice.token, plain).api, .forbidden)
            expectError(try await server.upload("/api/v2/conversations/nobody/files", token: alice.token, plain).api, .notFound)

            #expect(storedFileCount(directory) == 0, "no refused upload leaves a file behind")
            let history = try await server.request(.get, "/api/v2/conversations/\(bob.id)/messages", token: alice.token)
            #expect(history.json["messages"].array.isEmpty, "no refused upload creates a message")

            // The same request, fixed, goes through.
            let accepted = try await server.upload(path, token: alice.token, plain)
            #expect(accepted.status == .created, "\(accepted.text)")
            #expect(storedFileCount(directory) == 1)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func concurrentUploadsCannotTogetherPassTheDailyQuota(_ backend: TestBackend) async throws {
        var limits = FileLimits()
        limits.maxBytesPerUserPerDay = 5000
        try await Self.run(backend, limits: limits) { server, directory in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            try await server.befriend(alice, bob)
            let path = "/api/v2/conversations/\(bob.id)/files"
            var body = MultipartBody()
            body.file("a.png", FileSamples.png(padding: 1500))
            let upload = body
            // Each upload starts with the whole quota left; only three of these files fit in it together.
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<6 { group.addTask { try await server.uploadOnOwnConnection(path, token: alice.token, upload) } }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 3, "\(statuses)")
            #expect(statuses.filter { $0 == .contentTooLarge }.count == 3, "\(statuses)")
            // The refused uploads left no file behind.
            #expect(storedFileCount(directory) == 3)
            let history = try await server.request(.get, "/api/v2/conversations/\(bob.id)/messages", token: alice.token)
            #expect(history.json["messages"].array.count == 3)
        }
    }

    @Test func dailyQuotaAndRequestLimit() async throws {
        var limits = FileLimits()
        limits.maxBytesPerUserPerDay = 5000
        limits.maxRequestBytes = 64 * 1024
        try await Self.run(limits: limits) { server, directory in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            try await server.befriend(alice, bob)
            let path = "/api/v2/conversations/\(bob.id)/files"
            var first = MultipartBody()
            first.file("a.png", FileSamples.png(padding: 3000))
            #expect(try await server.upload(path, token: alice.token, first).status == .created)
            var second = MultipartBody()
            second.file("b.png", FileSamples.png(padding: 3000))
            let over = try await server.upload(path, token: alice.token, second)
            expectError(over.api, .contentTooLarge)
            #expect(over.json["error"]["message"].string?.contains("daily") == true, "\(over.text)")
            var huge = MultipartBody()
            huge.file("c.png", FileSamples.png(padding: 70_000))
            expectError(try await server.upload("/api/v2/conversations/\(alice.id)/files", token: bob.token, huge).api, .contentTooLarge)
            #expect(storedFileCount(directory) == 1)
        }
    }
}
