import NIOCore
import Testing

@testable import SocketIO

@Suite struct EngineIOSessionTests {
    let t0 = ContinuousClock.now
    let configuration = EngineIOConfiguration(
        pingInterval: .milliseconds(300),
        pingTimeout: .milliseconds(200),
        upgradeTimeout: .milliseconds(1000),
        maxPayload: 100,
        maxOutboundPackets: 8
    )

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { self.t0 + .milliseconds(milliseconds) }

    func pollingSession() -> EngineIOSession {
        var session = EngineIOSession(sid: "sid1", transport: .polling, now: self.t0, configuration: self.configuration)
        let (result, _) = session.pollingGet(now: self.t0)
        if case .respond(let packets) = result, packets.first?.type == .open { return session }
        Issue.record("handshake GET did not get the open packet")
        return session
    }

    @Test func handshakeGetReturnsOpenPacket() {
        var session = EngineIOSession(sid: "sid1", transport: .polling, now: self.t0, configuration: self.configuration)
        let (result, _) = session.pollingGet(now: self.t0)
        guard case .respond(let packets) = result else {
            Issue.record("expected a response")
            return
        }
        #expect(packets.count == 1)
        #expect(packets[0].type == .open)
    }

    @Test func webSocketSessionWritesOpenOnStart() {
        var session = EngineIOSession(sid: "sid1", transport: .websocket, now: self.t0, configuration: self.configuration)
        let actions = session.start()
        #expect(actions.webSocketPackets.map(\.type) == [.open])
    }

    /// On a WebSocket nothing waits in the session: each send goes out as it is, and one send of more packets than the
    /// outbound limit still ends the session.
    @Test func webSocketSendsGoStraightOutWithinTheLimit() {
        var session = EngineIOSession(sid: "sid1", transport: .websocket, now: self.t0, configuration: self.configuration)
        _ = session.start()
        let packets = (0..<8).map { EngineIOPacket(.message, "m\($0)") }
        let sent = session.send(packets)
        #expect(sent.webSocketPackets == packets)
        #expect(sent.closed == nil)
        #expect(session.drainOutbound().isEmpty)
        let flood = session.send((0..<9).map { EngineIOPacket(.message, "f\($0)") })
        #expect(flood.closed == .transportError)
        #expect(flood.webSocketPackets.isEmpty)
        #expect(session.isClosed)
    }

    @Test func idleGetIsHeldAndReleasedByPing() {
        var session = self.pollingSession()
        let (result, _) = session.pollingGet(now: self.at(10))
        #expect(result == .wait)
        #expect(session.nextDeadline == self.at(300))
        let value1 = session.tick(now: self.at(299))
        #expect(value1.pollResponse == nil)
        let actions = session.tick(now: self.at(300))
        #expect(actions.pollResponse == [EngineIOPacket(.ping)])
        #expect(session.nextDeadline == self.at(500))
    }

    @Test func heartbeatTimesOutAfterIntervalPlusTimeout() {
        var session = self.pollingSession()
        _ = session.tick(now: self.at(300))
        let actions = session.tick(now: self.at(500))
        #expect(actions.closed == .pingTimeout)
        #expect(session.isClosed)
    }

    @Test func pongRearmsThePingFromThePong() {
        var session = self.pollingSession()
        _ = session.tick(now: self.at(300))
        let value2 = session.pollingPostBegan()
        #expect(value2.0 == nil)
        let value3 = session.pollingPost(body: ByteBuffer(string: "3"), now: self.at(350))
        #expect(value3.0 == nil)
        let value4 = session.tick(now: self.at(500))
        #expect(value4.closed == nil)
        #expect(session.nextDeadline == self.at(650))
    }

    @Test func sendWhileGetPendingCompletesIt() {
        var session = self.pollingSession()
        _ = session.pollingGet(now: self.at(1))
        let actions = session.send([EngineIOPacket(.message, "a"), EngineIOPacket(.message, "b")])
        #expect(actions.pollResponse == [EngineIOPacket(.message, "a"), EngineIOPacket(.message, "b")])
    }

    @Test func sendWithoutGetIsBufferedForTheNextGet() {
        var session = self.pollingSession()
        let value5 = session.send([EngineIOPacket(.message, "a")])
        #expect(value5.pollResponse == nil)
        let (result, _) = session.pollingGet(now: self.at(1))
        #expect(result == .respond([EngineIOPacket(.message, "a")]))
    }

    @Test func overlappingGetIsRejectedAndClosesTheSession() {
        var session = self.pollingSession()
        _ = session.pollingGet(now: self.at(1))
        let (result, actions) = session.pollingGet(now: self.at(2))
        #expect(result == .error(.emptyBadRequest))
        #expect(actions.pollResponse == [EngineIOPacket(.close)])
        #expect(actions.closed == .transportError)
    }

    @Test func overlappingPostIsRejectedAndClosesTheSession() {
        var session = self.pollingSession()
        let value6 = session.pollingPostBegan()
        #expect(value6.0 == nil)
        let (error, actions) = session.pollingPostBegan()
        #expect(error == .emptyBadRequest)
        #expect(actions.closed != nil)
    }

    @Test func clientCloseWhileGetPendingAnswersNoop() {
        var session = self.pollingSession()
        _ = session.pollingGet(now: self.at(1))
        _ = session.pollingPostBegan()
        let (error, actions) = session.pollingPost(body: ByteBuffer(string: "1"), now: self.at(2))
        #expect(error == nil)
        #expect(actions.pollResponse == [EngineIOPacket(.noop)])
        #expect(actions.closed == .transportClose)
    }

    @Test func oversizedPostIs413AndCloses() {
        var session = self.pollingSession()
        _ = session.pollingPostBegan()
        let (error, actions) = session.pollingPost(body: nil, now: self.at(1))
        #expect(error == .payloadTooLarge)
        #expect(error?.status == 413)
        #expect(actions.closed != nil)
    }

    @Test func invalidPostIs400AndCloses() {
        var session = self.pollingSession()
        _ = session.pollingPostBegan()
        let (error, actions) = session.pollingPost(body: ByteBuffer(string: "abc"), now: self.at(1))
        #expect(error == .emptyBadRequest)
        #expect(actions.closed == .parseError)
    }

    @Test func octetStreamPostIsRejected() {
        var session = self.pollingSession()
        _ = session.pollingPostBegan()
        let (error, _) = session.pollingPost(body: ByteBuffer(string: "4a"), isBinaryContentType: true, now: self.at(1))
        #expect(error == .emptyBadRequest)
    }

    @Test func postDeliversMessagesInOrder() {
        var session = self.pollingSession()
        _ = session.pollingPostBegan()
        let (_, actions) = session.pollingPost(body: ByteBuffer(string: "4a\u{1E}bAQ==\u{1E}4b"), now: self.at(1))
        #expect(actions.received == [.text("a"), .binary(ByteBuffer(bytes: [1])), .text("b")])
    }

    @Test func clientPingClosesTheSession() {
        var session = EngineIOSession(sid: "s", transport: .websocket, now: self.t0, configuration: self.configuration)
        _ = session.start()
        let value7 = session.webSocketReceived(EngineIOPacket(.ping), now: self.at(1))
        #expect(value7.closed != nil)
    }

    @Test func upgradeDance() {
        var session = self.pollingSession()
        let value8 = session.pollingGet(now: self.at(1))
        #expect(value8.0 == .wait)
        let value9 = session.upgradeWebSocketOpened(now: self.at(2))
        #expect(value9)
        let value10 = session.upgradeWebSocketOpened(now: self.at(3))
        #expect(!value10, "a second upgrade in progress is refused")
        let probe = session.probeReceived(EngineIOPacket(.ping, "probe"), now: self.at(4))
        #expect(probe.probePackets == [EngineIOPacket(.pong, "probe")])
        #expect(probe.pollResponse == [EngineIOPacket(.noop)])
        let value11 = session.pollingGet(now: self.at(5))
        #expect(value11.0 == .respond([EngineIOPacket(.noop)]))
        _ = session.send([EngineIOPacket(.message, "buffered")])
        let upgrade = session.probeReceived(EngineIOPacket(.upgrade), now: self.at(6))
        #expect(upgrade.promoteProbe)
        #expect(upgrade.webSocketPackets == [EngineIOPacket(.message, "buffered")])
        #expect(session.transport == .websocket)
        let value12 = session.pollingGet(now: self.at(7))
        #expect(value12.0 == .error(.badRequest))
        let value13 = session.upgradeWebSocketOpened(now: self.at(8))
        #expect(!value13, "a second WebSocket after the upgrade is closed")
        let value14 = session.send([EngineIOPacket(.message, "x")])
        #expect(value14.webSocketPackets == [EngineIOPacket(.message, "x")])
    }

    @Test func upgradeTimesOutAndPollingContinues() {
        var session = self.pollingSession()
        let value15 = session.upgradeWebSocketOpened(now: self.at(0))
        #expect(value15)
        _ = session.tick(now: self.at(300))
        _ = session.pollingPostBegan()
        _ = session.pollingPost(body: ByteBuffer(string: "3"), now: self.at(301))
        _ = session.tick(now: self.at(601))
        _ = session.pollingPostBegan()
        _ = session.pollingPost(body: ByteBuffer(string: "3"), now: self.at(602))
        let actions = session.tick(now: self.at(1000))
        #expect(actions.closeProbe)
        #expect(!session.isUpgrading)
        #expect(session.transport == .polling)
        #expect(!session.isClosed)
    }

    @Test func unexpectedProbePacketClosesTheProbe() {
        var session = self.pollingSession()
        let value16 = session.upgradeWebSocketOpened(now: self.at(0))
        #expect(value16)
        let value17 = session.probeReceived(EngineIOPacket(.message, "x"), now: self.at(1))
        #expect(value17.closeProbe)
        #expect(session.transport == .polling)
    }

    @Test func slowClientIsDisconnected() {
        var session = self.pollingSession()
        var closed: EngineIOCloseReason?
        for index in 0..<20 where closed == nil {
            closed = session.send([EngineIOPacket(.message, "\(index)")]).closed
        }
        #expect(closed == .transportError)
    }

    @Test func serverCloseWritesClosePacket() {
        var session = self.pollingSession()
        _ = session.pollingGet(now: self.at(1))
        let actions = session.close()
        #expect(actions.pollResponse == [EngineIOPacket(.close)])
        #expect(actions.closed == .forcedClose)
    }
}

@Suite struct EngineIORequestValidatorTests {
    let configuration = EngineIOConfiguration()

    func validate(
        _ query: [String: String],
        method: String = "GET",
        upgrade: Bool = false,
        known: EngineIOTransport? = nil
    ) -> Result<
        EngineIORoute, EngineIOHTTPError
    > {
        EngineIORequestValidator.validate(
            EngineIORequest(method: method, query: query, isUpgrade: upgrade),
            configuration: self.configuration
        ) { $0 == "known" ? known : nil }
    }

    @Test func errorsMatchNode() {
        #expect(self.validate(["transport": "polling"]) == .failure(.unsupportedProtocolVersion))
        #expect(self.validate(["EIO": "3", "transport": "polling"]) == .failure(.unsupportedProtocolVersion))
        #expect(self.validate(["EIO": "abc", "transport": "polling"]) == .failure(.unsupportedProtocolVersion))
        #expect(self.validate(["EIO": "4"]) == .failure(.unknownTransport))
        #expect(self.validate(["EIO": "4", "transport": "abc"]) == .failure(.unknownTransport))
        #expect(self.validate(["EIO": "4", "transport": "polling", "sid": "nope"]) == .failure(.unknownSID))
        #expect(self.validate(["EIO": "4", "transport": "polling"], method: "POST") == .failure(.badHandshakeMethod))
        #expect(self.validate(["EIO": "4", "transport": "polling"], method: "PUT") == .failure(.badHandshakeMethod))
        #expect(self.validate(["EIO": "4", "transport": "websocket"]) == .failure(.badRequest))
        #expect(self.validate(["EIO": "4", "transport": "polling", "sid": "known"], known: .websocket) == .failure(.badRequest))
        #expect(self.validate(["EIO": "4", "transport": "polling"]) == .success(.handshake(.polling)))
        #expect(self.validate(["EIO": "4", "transport": "websocket"], upgrade: true) == .success(.handshake(.websocket)))
        #expect(
            self.validate(["EIO": "4", "transport": "websocket", "sid": "known"], upgrade: true, known: .polling)
                == .success(.session(sid: "known", transport: .websocket))
        )
    }

    @Test func errorBodiesAreExact() {
        #expect(EngineIOHTTPError.unsupportedProtocolVersion.body == "{\"code\":5,\"message\":\"Unsupported protocol version\"}")
        #expect(EngineIOHTTPError.unknownTransport.body == "{\"code\":0,\"message\":\"Transport unknown\"}")
        #expect(EngineIOHTTPError.unknownSID.body == "{\"code\":1,\"message\":\"Session ID unknown\"}")
        #expect(EngineIOHTTPError.badHandshakeMethod.body == "{\"code\":2,\"message\":\"Bad handshake method\"}")
        #expect(EngineIOHTTPError.badRequest.body == "{\"code\":3,\"message\":\"Bad request\"}")
        #expect(EngineIOHTTPError.forbidden().body == "{\"code\":4,\"message\":\"Forbidden\"}")
        #expect(EngineIOHTTPError.forbidden().status == 403)
        #expect(EngineIOHTTPError.payloadTooLarge.body == "")
    }
}
