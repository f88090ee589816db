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
