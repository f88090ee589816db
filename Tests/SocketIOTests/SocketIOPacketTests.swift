import NIOCore
import Testing

@testable import SocketIO

@Suite struct SocketIOPacketTests {
    static let vectors: [(String, SocketIOPacket)] = [
        ("0", SocketIOPacket(type: .connect)),
        ("0{\"token\":\"123\"}", SocketIOPacket(type: .connect, data: ["token": "123"])),
        ("0/admin,{\"token\":\"123\"}", SocketIOPacket(type: .connect, namespace: "/admin", data: ["token": "123"])),
        ("0{\"sid\":\"wZX3oN0bSVIhsaknAAAI\"}", SocketIOPacket(type: .connect, data: ["sid": "wZX3oN0bSVIhsaknAAAI"])),
        (
            "4/random,{\"message\":\"Invalid namespace\"}",
            SocketIOPacket(type: .connectError, namespace: "/random", data: ["message": "Invalid namespace"])
        ),
        (
            "4/auth,{\"message\":\"not authorized\",\"data\":{\"reason\":\"bad token\"}}",
            SocketIOPacket(type: .connectError, namespace: "/auth", data: ["message": "not authorized", "data": ["reason": "bad token"]])
        ),
        ("2[\"message\",1,\"2\",{\"3\":[true]}]", SocketIOPacket(type: .event, data: ["message", 1, "2", ["3": [true]]])),
        (
            "2456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]",
            SocketIOPacket(type: .event, ackID: 456, data: ["message-with-ack", 1, "2", ["3": [false]]])
        ),
        ("3456[1,\"2\",{\"3\":[false]}]", SocketIOPacket(type: .ack, ackID: 456, data: [1, "2", ["3": [false]]])),
        ("20[\"q\",\"?\"]", SocketIOPacket(type: .event, ackID: 0, data: ["q", "?"])),
        ("30[\"answer\"]", SocketIOPacket(type: .ack, ackID: 0, data: ["answer"])),
        ("1", SocketIOPacket(type: .disconnect)),
        ("1/admin,", SocketIOPacket(type: .disconnect, namespace: "/admin")),
        ("2/chat,12[\"x\"]", SocketIOPacket(type: .event, namespace: "/chat", ackID: 12, data: ["x"])),
        ("3[]", SocketIOPacket(type: .ack, data: [])),
    ]

    @Test func goldenVectorsRoundTrip() throws {
        for (text, packet) in Self.vectors {
            #expect(packet.encode().text == text, "encoding \(text)")
            var decoder = SocketIOPacketDecoder()
            #expect(try decoder.decode(.text(text)) == packet, "decoding \(text)")
        }
    }

    @Test func namespaceWithoutCommaIsAccepted() throws {
        var decoder = SocketIOPacketDecoder()
        #expect(try decoder.decode(.text("0/custom")) == SocketIOPacket(type: .connect, namespace: "/custom"))
        #expect(try decoder.decode(.text("1/custom")) == SocketIOPacket(type: .disconnect, namespace: "/custom"))
    }

    @Test func binaryEventEncodesPlaceholdersDepthFirst() {
        let one = ByteBuffer(bytes: [1, 2, 3])
        let two = ByteBuffer(bytes: [4, 5, 6])
        let three = ByteBuffer(bytes: [7])
        let packet = SocketIOPacket(type: .event, ackID: 789, data: ["message", .binary(one), ["nested": [.binary(two)], "after": .binary(three)]])
        let encoded = packet.encode()
        #expect(
            encoded.text
                == "53-789[\"message\",{\"_placeholder\":true,\"num\":0},{\"nested\":[{\"_placeholder\":true,\"num\":1}],\"after\":{\"_placeholder\":true,\"num\":2}}]"
        )
        #expect(encoded.attachments == [one, two, three])
        #expect(encoded.engineIOPackets.count == 4)
    }

    @Test func binaryEventFromSpecReconstructs() throws {
        var decoder = SocketIOPacketDecoder()
        let text = "52-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]"
        #expect(try decoder.decode(.text(text)) == nil)
        #expect(decoder.isAwaitingAttachments)
        #expect(try decoder.decode(.binary(ByteBuffer(bytes: [1, 2, 3]))) == nil)
        let packet = try decoder.decode(.binary(ByteBuffer(bytes: [4, 5, 6])))
        #expect(
            packet == SocketIOPacket(type: .event, data: ["message", .binary(ByteBuffer(bytes: [1, 2, 3])), .binary(ByteBuffer(bytes: [4, 5, 6]))])
        )
    }

    @Test func binaryAckEncodes() {
        let packet = SocketIOPacket(type: .ack, ackID: 789, data: [.binary(ByteBuffer(bytes: [1])), .binary(ByteBuffer(bytes: [2]))])
        #expect(packet.encode().text == "62-789[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]")
    }

    @Test func binaryEventWithNamespace() throws {
        let packet = SocketIOPacket(type: .event, namespace: "/admin", data: ["x", .binary(ByteBuffer(bytes: [1]))])
        let encoded = packet.encode()
        #expect(encoded.text == "51-/admin,[\"x\",{\"_placeholder\":true,\"num\":0}]")
        var decoder = SocketIOPacketDecoder()
        #expect(try decoder.decode(.text(encoded.text)) == nil)
        #expect(try decoder.decode(.binary(ByteBuffer(bytes: [1]))) == packet)
    }

    @Test(arguments: [
        "", "7", "a", "2", "2{}", "2[]", "2[{}]", "2[null]", "2[\"connect\"]", "2[\"disconnecting\"]", "2[\"newListener\",1]",
        "3{}", "3\"x\"", "0[]", "0\"x\"", "1{}", "4[]", "42abc[\"x\"]", "2[\"x\"", "5-[\"x\"]", "5a-[\"x\"]", "511-[\"x\"]", "2[\"x\"]]",
        "299999999999999999999[\"x\"]",
    ])
    func invalidPacketsThrow(_ text: String) {
        var decoder = SocketIOPacketDecoder()
        #expect(throws: SocketIOError.self) { try decoder.decode(.text(text)) }
    }

    @Test func numericEventNameIsAllowed() throws {
        var decoder = SocketIOPacketDecoder()
        let packet = try decoder.decode(.text("2[42,\"x\"]"))
        #expect(packet?.eventNameAndArguments?.name == "42")
    }

    @Test func tooManyAttachmentsIsRejected() {
        var decoder = SocketIOPacketDecoder()
        #expect(throws: SocketIOError.tooManyAttachments) { try decoder.decode(.text("511-[\"x\"]")) }
        #expect(throws: Never.self) { try decoder.decode(.text("510-[\"x\"]")) }
    }

    @Test func textWhileAwaitingAttachmentsIsAnError() throws {
        var decoder = SocketIOPacketDecoder()
        _ = try decoder.decode(.text("51-[\"x\",{\"_placeholder\":true,\"num\":0}]"))
        #expect(throws: SocketIOError.unexpectedAttachment) { try decoder.decode(.text("2[\"y\"]")) }
        #expect(throws: SocketIOError.unexpectedAttachment) { try decoder.decode(.binary(ByteBuffer(bytes: [1]))) }
    }

    @Test func placeholderOutOfRangeIsAnError() throws {
        var decoder = SocketIOPacketDecoder()
        _ = try decoder.decode(.text("51-[\"x\",{\"_placeholder\":true,\"num\":3}]"))
        #expect(throws: SocketIOError.invalidAttachments) { try decoder.decode(.binary(ByteBuffer(bytes: [1]))) }
    }
}
