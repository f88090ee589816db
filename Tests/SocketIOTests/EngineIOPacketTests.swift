import NIOCore
import Testing

@testable import SocketIO

@Suite struct EngineIOPacketTests {
    @Test(arguments: [
        ("0{\"sid\":\"abc\"}", EngineIOPacket(.open, "{\"sid\":\"abc\"}")),
        ("1", EngineIOPacket(.close)),
        ("2", EngineIOPacket(.ping)),
        ("2probe", EngineIOPacket(.ping, "probe")),
        ("3", EngineIOPacket(.pong)),
        ("3probe", EngineIOPacket(.pong, "probe")),
        ("4hello", EngineIOPacket(.message, "hello")),
        ("4", EngineIOPacket(.message, "")),
        ("5", EngineIOPacket(.upgrade)),
        ("6", EngineIOPacket(.noop)),
    ])
    func textPacketsRoundTrip(_ text: String, _ packet: EngineIOPacket) throws {
        #expect(try EngineIOPacket(decodingText: text) == packet)
        #expect(packet.encodedText == text)
    }

    @Test(arguments: ["", "7", "abc", "x4", "9hello"])
    func invalidTextPacketsThrow(_ text: String) {
        #expect(throws: SocketIOError.invalidEngineIOPacket) { try EngineIOPacket(decodingText: text) }
    }

    @Test func payloadEncodingJoinsWithRecordSeparator() {
        let packets = [EngineIOPacket(.message, "hello"), EngineIOPacket(.ping), EngineIOPacket(.message, "world")]
        #expect(EngineIOPayload.encode(packets) == "4hello\u{1E}2\u{1E}4world")
    }

    @Test func payloadEncodesBinaryAsBase64() {
        let packets = [EngineIOPacket(.message, "hello"), EngineIOPacket(binary: ByteBuffer(bytes: [1, 2, 3, 4]))]
        #expect(EngineIOPayload.encode(packets) == "4hello\u{1E}bAQIDBA==")
    }

    @Test func payloadDecodesTextAndBinary() throws {
        let packets = try EngineIOPayload.decode("4hello\u{1E}bAQIDBA==\u{1E}2\u{1E}4world")
        #expect(
            packets == [
                EngineIOPacket(.message, "hello"), EngineIOPacket(binary: ByteBuffer(bytes: [1, 2, 3, 4])), EngineIOPacket(.ping),
                EngineIOPacket(.message, "world"),
            ]
        )
    }

    @Test func socketIOPollingExampleDecodes() throws {
        let body =
            "42[\"tick\",1,\"Q8Jsm4d\"]\u{1E}42[\"room-tick\",2,\"Q8Jsm4d.0\"]\u{1E}462-1[\"got\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\u{1E}bAQID\u{1E}bCQ=="
        let packets = try EngineIOPayload.decode(ByteBuffer(string: body))
        #expect(packets.count == 5)
        var decoder = SocketIOPacketDecoder()
        var decoded: [SocketIOPacket] = []
        for packet in packets {
            if let result = try decoder.decode(packet.data) { decoded.append(result) }
        }
        #expect(decoded.count == 3)
        #expect(decoded[2].type == .ack)
        #expect(decoded[2].ackID == 1)
        #expect(decoded[2].data == ["got", .binary(ByteBuffer(bytes: [1, 2, 3])), .binary(ByteBuffer(bytes: [9]))])
    }

    @Test(arguments: ["", "abc", "4a\u{1E}", "b!!!", "4ok\u{1E}7"])
    func invalidPayloadsThrow(_ body: String) {
        #expect(throws: SocketIOError.invalidPayload) { try EngineIOPayload.decode(body) }
    }

    @Test func openPayloadHasExactlyTheFiveKeys() throws {
        let configuration = EngineIOConfiguration()
        let polling = try JSONValue(parsing: configuration.openPayload(sid: "abc", transport: .polling))
        #expect(polling.objectValue?.keys == ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"])
        #expect(polling["upgrades"] == ["websocket"])
        #expect(polling["pingInterval"] == 25000)
        #expect(polling["pingTimeout"] == 20000)
        #expect(polling["maxPayload"] == 1_000_000)
        let webSocket = try JSONValue(parsing: configuration.openPayload(sid: "abc", transport: .websocket))
        #expect(webSocket["upgrades"] == [])
    }
}
