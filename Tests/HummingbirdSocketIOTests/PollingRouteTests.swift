import Hummingbird
import HummingbirdSocketIO
import HummingbirdTesting
import NIOCore
import SocketIO
import Testing

/// The polling routes through Hummingbird's router, without python or sockets.
@Suite struct PollingRouteTests {
    func makeApplication(cors: String? = nil) -> some ApplicationProtocol {
        let io = SocketIOServer(configuration: SocketIOConfiguration(engine: EngineIOConfiguration(path: "/socket.io/", corsOrigin: cors)))
        let router = Router()
        router.addSocketIO(io)
        return Application(router: router)
    }

    @Test func handshakeAndPost() async throws {
        try await self.makeApplication().test(.router) { client in
            let sid = try await client.execute(uri: "/socket.io/?EIO=4&transport=polling", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; charset=UTF-8")
                #expect(response.headers[.cacheControl] == "no-store")
                let body = String(buffer: response.body)
                #expect(body.hasPrefix("0{\"sid\":\""))
                let open = try JSONValue(parsing: String(body.dropFirst()))
                #expect(open["upgrades"] == ["websocket"])
                return open["sid"]?.stringValue ?? ""
            }
            try await client.execute(
                uri: "/socket.io/?EIO=4&transport=polling&sid=\(sid)",
                method: .post,
                body: ByteBuffer(string: "40")
            ) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok")
                #expect(response.headers[.contentType] == "text/html")
            }
        }
    }

    @Test(arguments: [
        ("/socket.io/?transport=polling", HTTPRequest.Method.get, 400, "{\"code\":5,\"message\":\"Unsupported protocol version\"}"),
        ("/socket.io/?EIO=3&transport=polling", .get, 400, "{\"code\":5,\"message\":\"Unsupported protocol version\"}"),
        ("/socket.io/?EIO=4", .get, 400, "{\"code\":0,\"message\":\"Transport unknown\"}"),
        ("/socket.io/?EIO=4&transport=abc", .get, 400, "{\"code\":0,\"message\":\"Transport unknown\"}"),
        ("/socket.io/?EIO=4&transport=polling&sid=nope", .get, 400, "{\"code\":1,\"message\":\"Session ID unknown\"}"),
        ("/socket.io/?EIO=4&transport=polling&sid=nope", .post, 400, "{\"code\":1,\"message\":\"Session ID unknown\"}"),
        ("/socket.io/?EIO=4&transport=polling", .post, 400, "{\"code\":2,\"message\":\"Bad handshake method\"}"),
        ("/socket.io/?EIO=4&transport=polling", .put, 400, "{\"code\":2,\"message\":\"Bad handshake method\"}"),
        ("/socket.io/?EIO=4&transport=polling", .options, 400, "{\"code\":2,\"message\":\"Bad handshake method\"}"),
        ("/socket.io/?EIO=4&transport=websocket", .get, 400, "{\"code\":3,\"message\":\"Bad request\"}"),
    ])
    func errorResponses(uri: String, method: HTTPRequest.Method, status: Int, body: String) async throws {
        try await self.makeApplication().test(.router) { client in
            try await client.execute(uri: uri, method: method) { response in
                #expect(response.status.code == status)
                #expect(response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body) == body)
            }
        }
    }

    @Test func corsPreflight() async throws {
        try await self.makeApplication(cors: "*").test(.router) { client in
            try await client.execute(uri: "/socket.io/?EIO=4&transport=polling", method: .options) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                #expect(response.headers[.accessControlAllowMethods] == "GET,HEAD,PUT,PATCH,POST,DELETE")
            }
            try await client.execute(uri: "/socket.io/?EIO=4", method: .get) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "*")
            }
        }
    }

    @Test func wrongPathIs404() async throws {
        try await self.makeApplication().test(.router) { client in
            try await client.execute(uri: "/engine.io/?EIO=4&transport=polling", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
