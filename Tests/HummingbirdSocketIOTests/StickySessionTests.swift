import Hummingbird
import HummingbirdSocketIO
import HummingbirdTesting
import NIOCore
import SocketIO
import Testing

/// Two nodes behind a load balancer without affinity: a polling request carrying a session id of the other node must
/// be refused at once with the protocol's "Session ID unknown", never left hanging, so the client reconnects.
@Suite struct StickySessionTests {
    func makeNode() -> some ApplicationProtocol {
        let io = SocketIOServer()
        let router = Router()
        router.addSocketIO(io)
        return Application(router: router)
    }

    @Test func aSessionOfAnotherNodeIsRefusedImmediately() async throws {
        try await self.makeNode().test(.router) { nodeA in
            let sid = try await nodeA.execute(uri: "/socket.io/?EIO=4&transport=polling", method: .get) { response in
                #expect(response.status == .ok)
                let open = try JSONValue(parsing: String(String(buffer: response.body).dropFirst()))
                return try #require(open["sid"]?.stringValue)
            }
            try await self.makeNode().test(.router) { nodeB in
                let clock = ContinuousClock()
                for method in [HTTPRequest.Method.get, .post] {
                    let start = clock.now
                    try await nodeB.execute(
                        uri: "/socket.io/?EIO=4&transport=polling&sid=\(sid)",
                        method: method,
                        body: method == .post ? ByteBuffer(string: "40") : nil
                    ) { response in
                        #expect(response.status == .badRequest)
                        #expect(String(buffer: response.body) == "{\"code\":1,\"message\":\"Session ID unknown\"}")
                    }
                    // A held GET would wait for the 25 s ping interval; the bound leaves room for a loaded CI machine.
                    #expect(clock.now - start < .seconds(15))
                }
            }
            // The session is still served by its own node.
            try await nodeA.execute(uri: "/socket.io/?EIO=4&transport=polling&sid=\(sid)", method: .post, body: ByteBuffer(string: "40")) {
                response in
                #expect(response.status == .ok)
            }
        }
    }
}
