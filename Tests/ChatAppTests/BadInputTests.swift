import HTTPTypes
import Testing

/// Every kind of client mistake gets the right 4xx and the v2 error shape, never a 500 or a hang.
@Suite("Bad input")
struct BadInputTests {
    @Test func malformedBodies() async throws {
        try await TestServer.run(.sqlite) { server in
            expectError(try await server.request(.post, "/api/v2/auth/register", json: #"{"username":"x","#), .badRequest, code: "invalid_request")
            expectError(try await server.request(.post, "/api/v2/auth/register", json: "[1,2]"), .badRequest, code: "invalid_request")
            expectError(try await server.request(.post, "/api/v2/auth/register", json: ""), .badRequest, code: "invalid_request")
            let wrongType = try await server.request(.post, "/api/v2/auth/register", json: #"{"username":5,"email":"a@b.co","password":"12345678"}"#)
            expectError(wrongType, .badRequest, code: "invalid_request")
            #expect(wrongType.json["error"]["field"].string == "username")
            let missing = try await server.request(.post, "/api/v2/auth/register", json: #"{"username":"someone","password":"12345678"}"#)
            expectError(missing, .badRequest)
            #expect(missing.json["error"]["field"].string == "email")
            let form = try await server.request(
                .post,
                "/api/v2/auth/login",
                json: "login=a&password=b",
                headers: [.contentType: "application/x-www-form-urlencoded"]
            )
            expectError(form, .unsupportedMediaType)
            let huge = #"{"username":"big","email":"big@example.com","password":""# + String(repeating: "p", count: 70_000) + #""}"#
            expectError(try await server.request(.post, "/api/v2/auth/register", json: huge), .contentTooLarge, code: "payload_too_large")
        }
    }

    @Test func invalidValues() async throws {
        try await TestServer.run(.sqlite) { server in
            for username in ["", "ab", String(repeating: "u", count: 10_000), "bad name", "_lead", "émile"] {
                let response = try await server.request(
                    .post,
                    "/api/v2/auth/register",
                    json: #"{"username":"\#(username)","email":"v@example.com","password":"long enough pw"}"#
                )
                expectError(response, .unprocessableContent, code: "validation_failed")
                #expect(response.json["error"]["field"].string == "username")
            }
            for email in ["no-at-sign", "a@b", "a b@example.com", "@example.com"] {
                let response = try await server.request(
                    .post,
                    "/api/v2/auth/register",
                    json: #"{"username":"valid_name","email":"\#(email)","password":"long enough pw"}"#
                )
                expectError(response, .unprocessableContent)
                #expect(response.json["error"]["field"].string == "email")
            }
            let short = try await server.request(
                .post,
                "/api/v2/auth/register",
                json: #"{"username":"pw_user","email":"pw@example.com","password":"short"}"#
            )
            expectError(short, .unprocessableContent)
            #expect(short.json["error"]["field"].string == "password")
            let user = try await server.register("grace")
            expectError(
                try await server.request(
                    .post,
                    "/api/v2/auth/register",
                    json: #"{"username":"GRACE","email":"other@example.com","password":"long enough pw"}"#
                ),
                .conflict
            )
            expectError(
                try await server.request(.patch, "/api/v2/me", token: user.token, json: #"{"avatarUrl":"javascript:alert(1)"}"#),
                .unprocessableContent
            )
            let friend = try await server.register("heidi")
            try await server.befriend(user, friend)
            let tooLong = String(repeating: "x", count: 16 * 1024 + 1)
            expectError(
                try await server.request(.post, "/api/v2/conversations/\(friend.id)/messages", token: user.token, json: #"{"text":"\#(tooLong)"}"#),
                .contentTooLarge
            )
            expectError(
                try await server.request(.post, "/api/v2/conversations/\(friend.id)/messages", token: user.token, json: #"{"text":"   "}"#),
                .unprocessableContent
            )
            expectError(
                try await server.request(
                    .post,
                    "/api/v2/conversations/\(friend.id)/messages",
                    token: user.token,
                    json: #"{"text":"hi","clientMessageId":"\#(String(repeating: "k", count: 65))"}"#
                ),
                .unprocessableContent
            )
            expectError(
                try await server.request(.post, "/api/v2/conversations/\(user.id)/messages", token: user.token, json: #"{"text":"me"}"#),
                .unprocessableContent
            )
        }
    }

    @Test func cursorsLimitsAndUnknownIDs() async throws {
        try await TestServer.run(.sqlite) { server in
            let ivan = try await server.register("ivan")
            let judy = try await server.register("judy")
            for path in [
                "/api/v2/users?q=a&cursor=garbage", "/api/v2/friends?cursor=%25%25", "/api/v2/friends/requests?cursor=AAAA",
                "/api/v2/conversations?cursor=bm9wZQ", "/api/v2/conversations/\(judy.id)/messages?before=not-a-cursor",
                "/api/v2/conversations/\(judy.id)/messages?after=x&before=y",
            ] {
                expectError(try await server.request(.get, path, token: ivan.token), .badRequest, code: "invalid_request")
            }
            expectError(try await server.request(.get, "/api/v2/users?q=a&limit=0", token: ivan.token), .unprocessableContent)
            expectError(try await server.request(.get, "/api/v2/users?q=a&limit=1000", token: ivan.token), .unprocessableContent)
            expectError(try await server.request(.get, "/api/v2/users?q=a&limit=ten", token: ivan.token), .badRequest)
            expectError(try await server.request(.get, "/api/v2/users", token: ivan.token), .badRequest)
            expectError(
                try await server.request(.get, "/api/v2/users?q=\(String(repeating: "q", count: 65))", token: ivan.token),
                .unprocessableContent
            )
            expectError(try await server.request(.get, "/api/v2/friends/requests?direction=sideways", token: ivan.token), .unprocessableContent)
            expectError(try await server.request(.post, "/api/v2/friends/requests/nobody/accept", token: ivan.token), .notFound)
            expectError(try await server.request(.patch, "/api/v2/messages/0000-unknown", token: ivan.token, json: #"{"text":"x"}"#), .notFound)
            expectError(try await server.request(.delete, "/api/v2/messages/0000-unknown", token: ivan.token), .notFound)
            expectError(try await server.request(.get, "/api/v2/conversations/nobody/messages", token: ivan.token), .notFound)
            expectError(try await server.request(.post, "/api/v2/blocks", token: ivan.token, json: #"{"userId":"nobody"}"#), .notFound)
            expectError(try await server.request(.delete, "/api/v2/blocks/\(judy.id)", token: ivan.token), .notFound)
            expectError(try await server.request(.get, "/api/v2/nothing-here", token: ivan.token), .notFound)
            expectError(try await server.request(.get, "/no/such/route"), .notFound)
            let wrongMethod = try await server.request(.put, "/api/v2/me", token: ivan.token, json: "{}")
            #expect((400..<500).contains(wrongMethod.status.code), "\(wrongMethod.text)")
        }
    }

    @Test func rateLimitedLogins() async throws {
        try await TestServer.run(
            .sqlite,
            configure: { $0.authAttemptsPerMinute = 3 },
            body: { server in
                for _ in 0..<3 {
                    expectError(
                        try await server.request(.post, "/api/v2/auth/login", json: #"{"login":"kim","password":"wrong password"}"#),
                        .unauthorized
                    )
                }
                let limited = try await server.request(.post, "/api/v2/auth/login", json: #"{"login":"kim","password":"wrong password"}"#)
                expectError(limited, .tooManyRequests, code: "rate_limited")
                #expect(limited.headers[.retryAfter] == "60")
            }
        )
    }
}
