import NIOCore

/// An incremental RESP2/RESP3 parser with limits, so a hostile or broken peer gets an error instead of a crash or
/// unbounded memory.
public struct RESPParser: Sendable {
    /// Bounds on what one value may contain.
    public struct Limits: Sendable, Hashable {
        /// The longest bulk string, blob error or verbatim string, in bytes (Redis' own `proto-max-bulk-len`).
        public var maxBulkLength: Int
        /// How deeply aggregates may nest.
        public var maxDepth: Int
        /// The most elements (or map entries) one aggregate may announce.
        public var maxAggregateCount: Int
        /// The longest line of a simple type (`+`, `-`, `:`, `,`, `(`, headers).
        public var maxLineLength: Int

        /// Defaults follow Redis: 512 MiB bulk strings, 32 levels, 16 Mi elements, 64 KiB lines.
        public init(maxBulkLength: Int = 512 * 1024 * 1024, maxDepth: Int = 32, maxAggregateCount: Int = 1 << 24, maxLineLength: Int = 64 * 1024) {
            self.maxBulkLength = maxBulkLength
            self.maxDepth = maxDepth
            self.maxAggregateCount = maxAggregateCount
            self.maxLineLength = maxLineLength
        }
    }

    /// The bounds this parser enforces.
    public var limits: Limits

    /// A parser with the given limits.
    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Parses one value from the front of `buffer` and consumes its bytes. Returns nil and consumes nothing when the
    /// value is not complete yet.
    /// - Throws: ``RedisError`` with code ``RedisError/Code/protocolViolation`` on malformed input or a broken limit.
    public func parse(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        var copy = buffer
        guard let value = try parseValue(&copy, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: copy.readerIndex)
        return value
    }

    private func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            return try readLine(&buffer).map { .simpleString($0) }
        case UInt8(ascii: "-"):
            return try readLine(&buffer).map { .error($0) }
        case UInt8(ascii: ":"):
            return try readLine(&buffer).map { .integer(try Self.integer($0)) }
        case UInt8(ascii: "$"):
            guard let length = try readLength(&buffer) else { return nil }
            if length == -1 { return .bulkString(nil) }
            return try readBlob(&buffer, length: length).map { .bulkString($0) }
        case UInt8(ascii: "!"):
            guard let length = try readLength(&buffer) else { return nil }
            guard length >= 0 else { throw RedisError.protocolViolation("negative blob error length") }
            return try readBlob(&buffer, length: length).map { .error($0) }
        case UInt8(ascii: "="):
            guard let length = try readLength(&buffer) else { return nil }
            guard length >= 4 else { throw RedisError.protocolViolation("verbatim string without format") }
            guard var blob = try readBlob(&buffer, length: length) else { return nil }
            guard let format = blob.readString(length: 3), blob.readInteger(as: UInt8.self) == UInt8(ascii: ":") else {
                throw RedisError.protocolViolation("malformed verbatim string")
            }
            return .verbatimString(format: format, text: blob)
        case UInt8(ascii: "*"):
            guard let count = try readLength(&buffer) else { return nil }
            if count == -1 { return .array(nil) }
            return try readAggregate(&buffer, count: count, depth: depth).map { .array($0) }
        case UInt8(ascii: "~"):
            guard let count = try readLength(&buffer) else { return nil }
            return try readAggregate(&buffer, count: count, depth: depth).map { .set($0) }
        case UInt8(ascii: ">"):
            guard let count = try readLength(&buffer) else { return nil }
            return try readAggregate(&buffer, count: count, depth: depth).map { .push($0) }
        case UInt8(ascii: "%"):
            guard let count = try readLength(&buffer) else { return nil }
            return try readMap(&buffer, count: count, depth: depth)
        case UInt8(ascii: "|"):
            // Attributes describe the next value; nobody here reads them, so they are parsed (to stay in sync) and dropped.
            guard let count = try readLength(&buffer), try readMap(&buffer, count: count, depth: depth) != nil else { return nil }
            return try parseValue(&buffer, depth: depth + 1)
        case UInt8(ascii: "_"):
            guard let line = try readLine(&buffer) else { return nil }
            guard line.readableBytes == 0 else { throw RedisError.protocolViolation("malformed null") }
            return .null
        case UInt8(ascii: "#"):
            guard let line = try readLine(&buffer) else { return nil }
            switch line.readableBytesView.first {
            case UInt8(ascii: "t") where line.readableBytes == 1: return .boolean(true)
            case UInt8(ascii: "f") where line.readableBytes == 1: return .boolean(false)
            default: throw RedisError.protocolViolation("malformed boolean")
            }
        case UInt8(ascii: ","):
            guard let line = try readLine(&buffer) else { return nil }
            guard line.readableBytes > 0, let value = Double(String(buffer: line)) else {
                throw RedisError.protocolViolation("malformed double")
            }
            return .double(value)
        case UInt8(ascii: "("):
            guard let line = try readLine(&buffer) else { return nil }
            var digits = line.readableBytesView[...]
            if digits.first == UInt8(ascii: "-") || digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw RedisError.protocolViolation("malformed big number")
            }
            return .bigNumber(line)
        default:
            throw RedisError.protocolViolation("unknown type byte \(type)")
        }
    }

    private func readAggregate(_ buffer: inout ByteBuffer, count: Int, depth: Int) throws -> [RESPValue]? {
        try checkAggregate(count: count, depth: depth)
        var values: [RESPValue] = []
        values.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            guard let value = try parseValue(&buffer, depth: depth + 1) else { return nil }
            values.append(value)
        }
        return values
    }

    private func readMap(_ buffer: inout ByteBuffer, count: Int, depth: Int) throws -> RESPValue? {
        try checkAggregate(count: count, depth: depth)
        var entries: [RESPKeyValue] = []
        entries.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            guard let key = try parseValue(&buffer, depth: depth + 1), let value = try parseValue(&buffer, depth: depth + 1) else {
                return nil
            }
            entries.append(RESPKeyValue(key: key, value: value))
        }
        return .map(entries)
    }

    private func checkAggregate(count: Int, depth: Int) throws {
        guard count >= 0 else { throw RedisError.protocolViolation("negative aggregate length") }
        guard count <= limits.maxAggregateCount else { throw RedisError.protocolViolation("aggregate longer than the limit") }
        guard depth < limits.maxDepth else { throw RedisError.protocolViolation("aggregates nested deeper than the limit") }
    }

    /// A length header: -1 (null) or 0…maxBulkLength.
    private func readLength(_ buffer: inout ByteBuffer) throws -> Int? {
        guard let line = try readLine(&buffer) else { return nil }
        let value = try Self.integer(line)
        guard value >= -1 else { throw RedisError.protocolViolation("negative length") }
        guard value <= Int64(limits.maxBulkLength), value <= Int64(Int.max) else {
            throw RedisError.protocolViolation("length larger than the limit")
        }
        return Int(value)
    }

    private func readBlob(_ buffer: inout ByteBuffer, length: Int) throws -> ByteBuffer? {
        guard length <= limits.maxBulkLength else { throw RedisError.protocolViolation("bulk string longer than the limit") }
        guard buffer.readableBytes >= 2, buffer.readableBytes - 2 >= length, let blob = buffer.readSlice(length: length) else { return nil }
        guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw RedisError.protocolViolation("bulk string not ended by CRLF") }
        return blob
    }

    /// The bytes up to the next CRLF, which is consumed.
    private func readLine(_ buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let view = buffer.readableBytesView
        let searched = view.prefix(max(0, min(limits.maxLineLength, Int.max - 1)) + 1)
        guard let carriageReturn = searched.firstIndex(of: UInt8(ascii: "\r")) else {
            if searched.count > limits.maxLineLength { throw RedisError.protocolViolation("line longer than the limit") }
            return nil
        }
        guard carriageReturn + 1 < view.endIndex else { return nil }
        guard view[carriageReturn + 1] == UInt8(ascii: "\n") else { throw RedisError.protocolViolation("CR not followed by LF") }
        guard let line = buffer.readSlice(length: carriageReturn - view.startIndex) else { return nil }
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// A signed decimal integer without overflow.
    static func integer(_ line: ByteBuffer) throws -> Int64 {
        var digits = line.readableBytesView[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative || digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        guard !digits.isEmpty else { throw RedisError.protocolViolation("empty integer") }
        var value: Int64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { throw RedisError.protocolViolation("malformed integer") }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.subtractingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw RedisError.protocolViolation("integer out of range") }
            value = next
        }
        // Accumulated negatively so Int64.min parses.
        if negative { return value }
        guard value != .min else { throw RedisError.protocolViolation("integer out of range") }
        return -value
    }
}

/// The channel-pipeline face of ``RESPParser``.
struct RESPDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = RESPValue

    let parser: RESPParser

    mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? { try parser.parse(&buffer) }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? { try parser.parse(&buffer) }
}
