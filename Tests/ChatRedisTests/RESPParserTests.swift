import NIOCore
import Testing

@testable import ChatRedis

struct RESPParserTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var wire: String
        var value: RESPValue
        var testDescription: String { wire.debugDescription }
    }

    static func bytes(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

    static let vectors: [Vector] = [
        Vector(wire: "+OK\r\n", value: .simpleString(bytes("OK"))),
        Vector(wire: "+\r\n", value: .simpleString(bytes(""))),
        Vector(wire: "-ERR unknown command\r\n", value: .error(bytes("ERR unknown command"))),
        Vector(wire: ":0\r\n", value: .integer(0)),
        Vector(wire: ":-42\r\n", value: .integer(-42)),
        Vector(wire: ":+7\r\n", value: .integer(7)),
        Vector(wire: ":9223372036854775807\r\n", value: .integer(.max)),
        Vector(wire: ":-9223372036854775808\r\n", value: .integer(.min)),
        Vector(wire: "$5\r\nhello\r\n", value: .bulkString(bytes("hello"))),
        Vector(wire: "$0\r\n\r\n", value: .bulkString(bytes(""))),
        Vector(wire: "$4\r\na\r\nb\r\n", value: .bulkString(bytes("a\r\nb"))),
        Vector(wire: "$-1\r\n", value: .bulkString(nil)),
        Vector(wire: "*0\r\n", value: .array([])),
        Vector(wire: "*-1\r\n", value: .array(nil)),
        Vector(
            wire: "*3\r\n:1\r\n$3\r\nfoo\r\n*1\r\n+x\r\n",
            value: .array([.integer(1), .bulkString(bytes("foo")), .array([.simpleString(bytes("x"))])])
        ),
        Vector(wire: "*2\r\n$-1\r\n*-1\r\n", value: .array([.bulkString(nil), .array(nil)])),
        Vector(wire: "_\r\n", value: .null),
        Vector(wire: "#t\r\n", value: .boolean(true)),
        Vector(wire: "#f\r\n", value: .boolean(false)),
        Vector(wire: ",3.25\r\n", value: .double(3.25)),
        Vector(wire: ",-1\r\n", value: .double(-1)),
        Vector(wire: ",inf\r\n", value: .double(.infinity)),
        Vector(wire: ",-inf\r\n", value: .double(-.infinity)),
        Vector(wire: ",1e3\r\n", value: .double(1000)),
        Vector(wire: "(3492890328409238509324850943850943825024385\r\n", value: .bigNumber(bytes("3492890328409238509324850943850943825024385"))),
        Vector(wire: "(-12\r\n", value: .bigNumber(bytes("-12"))),
        Vector(wire: "!21\r\nSYNTAX invalid syntax\r\n", value: .error(bytes("SYNTAX invalid syntax"))),
        Vector(wire: "=15\r\ntxt:Some string\r\n", value: .verbatimString(format: "txt", text: bytes("Some string"))),
        Vector(
            wire: "%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n#f\r\n",
            value: .map([
                RESPKeyValue(key: .simpleString(bytes("first")), value: .integer(1)),
                RESPKeyValue(key: .bulkString(bytes("second")), value: .boolean(false)),
            ])
        ),
        Vector(wire: "%0\r\n", value: .map([])),
        Vector(wire: "~3\r\n+a\r\n:2\r\n_\r\n", value: .set([.simpleString(bytes("a")), .integer(2), .null])),
        Vector(
            wire: ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nhey\r\n",
            value: .push([.bulkString(bytes("message")), .bulkString(bytes("ch")), .bulkString(bytes("hey"))])
        ),
        Vector(wire: "|1\r\n+key-popularity\r\n%0\r\n:42\r\n", value: .integer(42)),
        Vector(wire: "*2\r\n|1\r\n+ttl\r\n:3\r\n+a\r\n:5\r\n", value: .array([.simpleString(bytes("a")), .integer(5)])),
    ]

    @Test(arguments: vectors)
    func parsesWhole(_ vector: Vector) throws {
        var buffer = ByteBuffer(string: vector.wire + "+next\r\n")
        let value = try RESPParser().parse(&buffer)
        #expect(value == vector.value)
        #expect(String(buffer: buffer) == "+next\r\n")
    }

    @Test(arguments: vectors)
    func parsesSplitAtEveryByte(_ vector: Vector) throws {
        let wire = Array(vector.wire.utf8)
        for split in 0..<wire.count {
            var buffer = ByteBuffer(bytes: wire[..<split])
            #expect(try RESPParser().parse(&buffer) == nil, "split at \(split)")
            #expect(buffer.readableBytes == split, "nothing consumed at split \(split)")
            buffer.writeBytes(wire[split...])
            #expect(try RESPParser().parse(&buffer) == vector.value, "split at \(split)")
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test func parsesNaN() throws {
        var buffer = ByteBuffer(string: ",nan\r\n")
        guard case .double(let value) = try RESPParser().parse(&buffer) else {
            Issue.record("not a double")
            return
        }
        #expect(value.isNaN)
    }

    @Test func parsesByteByByteThroughTheDecoder() throws {
        let wire = Array(Self.vectors.map(\.wire).joined().utf8)
        let processor = NIOSingleStepByteToMessageProcessor(RESPDecoder(parser: RESPParser()))
        var values: [RESPValue] = []
        for byte in wire {
            try processor.process(buffer: ByteBuffer(bytes: [byte])) { values.append($0) }
        }
        #expect(values == Self.vectors.map(\.value))
    }

    static let malformed: [String] = [
        "?\r\n", ":12a\r\n", ":\r\n", ":99999999999999999999\r\n", "$-2\r\n", "$3\r\nabcd\r\n", "+a\rb\r\n", "#x\r\n", "#tt\r\n",
        ",\r\n", ",abc\r\n", "(12x\r\n", "(\r\n", "_x\r\n", "*-2\r\n", "%-1\r\n", "=2\r\nab\r\n", "=5\r\ntxt;a\r\n", "!-1\r\n",
    ]

    @Test(arguments: malformed)
    func rejectsMalformedInput(_ wire: String) {
        var buffer = ByteBuffer(string: wire)
        #expect(throws: RedisError.self) { try RESPParser().parse(&buffer) }
    }

    @Test func enforcesLimits() throws {
        let limits = RESPParser.Limits(maxBulkLength: 10, maxDepth: 3, maxAggregateCount: 4, maxLineLength: 16)
        let parser = RESPParser(limits: limits)
        for wire in ["$11\r\n", "*5\r\n", "%5\r\n", "*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", "+\(String(repeating: "a", count: 40))"] {
            var buffer = ByteBuffer(string: wire)
            #expect(throws: RedisError.self, "\(wire.debugDescription)") { try parser.parse(&buffer) }
        }
        var withinLimits = ByteBuffer(string: "*1\r\n*1\r\n*1\r\n:1\r\n")
        #expect(try parser.parse(&withinLimits) == .array([.array([.array([.integer(1)])])]))
        var attributes = ByteBuffer(string: String(repeating: "|0\r\n", count: 10) + ":1\r\n")
        #expect(throws: RedisError.self) { try parser.parse(&attributes) }
    }
}
