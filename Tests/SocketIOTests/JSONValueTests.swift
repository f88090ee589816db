import Foundation
import NIOCore
import Testing

@testable import SocketIO

@Suite struct JSONValueTests {
    @Test(arguments: [
        "null", "true", "false", "0", "-1", "1.5", "1e+21", "\"a\\\"b\\\\c\\n\\u0001\"", "[]", "{}", "[1,[2,[3]]]",
        "{\"a\":1,\"b\":[true,null],\"c\":{\"d\":\"e\"}}", "\"\u{1F600}\"",
    ])
    func roundTrips(_ text: String) throws {
        let value = try JSONValue(parsing: text)
        #expect(try JSONValue(parsing: value.jsonString) == value)
    }

    /// One array holds the members: a repeated key keeps its first place and its last value, equality and hashing
    /// follow member order, and removing a member keeps the others' order.
    @Test func objectMembersKeepTheirPlaces() throws {
        let parsed = try #require(try JSONValue(parsing: "{\"a\":1,\"b\":2,\"a\":3}").objectValue)
        #expect(parsed.keys == ["a", "b"])
        #expect(parsed.values == [3, 2])
        #expect(parsed == ["a": 1, "b": 2, "a": 3])
        var object: JSONObject = ["x": 1, "y": 2, "z": 3]
        object.reserveCapacity(32)
        object["y"] = nil
        object["w"] = 4
        object["x"] = "one"
        #expect(JSONValue.object(object).jsonString == "{\"x\":\"one\",\"z\":3,\"w\":4}")
        #expect(object.count == 3 && !object.isEmpty && object["y"] == nil)
        let reordered: JSONObject = ["z": 3, "x": "one", "w": 4]
        #expect(object != reordered, "member order is part of the value")
        #expect(object == ["x": "one", "z": 3, "w": 4])
        #expect(object.hashValue == JSONObject(members: object.members.map { ($0.key, $0.value) }).hashValue)
        #expect(Set([JSONValue.object(object), .object(reordered), .object(object)]).count == 2)
    }

    @Test func keepsMemberOrder() throws {
        #expect(try JSONValue(parsing: "{\"z\":1,\"a\":2}").jsonString == "{\"z\":1,\"a\":2}")
    }

    @Test func decodesEscapes() throws {
        #expect(try JSONValue(parsing: "\"\\ud83d\\ude00 \\u00e9\\/\"") == .string("\u{1F600} é/"))
    }

    @Test(arguments: ["", "nul", "[1,]", "{\"a\"}", "{a:1}", "01", "1.", "-", "\"abc", "[1 2]", "\"\u{01}\"", "1 2", "\"\\x\""])
    func rejectsInvalid(_ text: String) {
        #expect(throws: SocketIOError.invalidJSON) { try JSONValue(parsing: text) }
    }

    @Test func rejectsDeepNesting() {
        let text = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(throws: SocketIOError.invalidJSON) { try JSONValue(parsing: text) }
    }

    struct Message: Codable, Equatable {
        var to: String
        var text: String
        var count: Int
    }

    @Test func typedHelpers() throws {
        let value = try JSONValue(encoding: Message(to: "bob", text: "hi", count: 3))
        #expect(value["to"] == "bob")
        #expect(try value.decode(Message.self) == Message(to: "bob", text: "hi", count: 3))
        let arguments: [JSONValue] = ["x", value]
        #expect(try arguments.decode(Message.self, at: 1).count == 3)
        #expect(throws: SocketIOError.self) { try arguments.decode(Message.self, at: 2) }
    }

    @Test func binaryDecodesAsData() throws {
        let value: JSONValue = ["blob": .binary(ByteBuffer(bytes: [1, 2]))]
        struct Blob: Decodable { var blob: Data }
        #expect(try value.decode(Blob.self).blob == Data([1, 2]))
    }
}
