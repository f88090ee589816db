import ChatCore

/// Appends a record's fields to a byte array.
struct KafkaRecordWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func varint(_ value: Int) {
        var value = UInt64(value)
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func string(_ value: String) {
        varint(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    mutating func time(_ value: Timestamp) {
        withUnsafeBytes(of: value.milliseconds.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func optionalString(_ value: String?) {
        byte(value == nil ? 0 : 1)
        if let value { string(value) }
    }

    mutating func optionalTime(_ value: Timestamp?) {
        byte(value == nil ? 0 : 1)
        if let value { time(value) }
    }
}

/// Reads a record's fields, checking every length against what is left.
struct KafkaRecordReader {
    private let bytes: [UInt8]
    private var offset: Int

    init(_ bytes: [UInt8], offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset == bytes.count }
    var remaining: Int { bytes.count - offset }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw Self.truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// At most 4 bytes (lengths under 256 MiB): a longer varint is malformed, whatever it says.
    mutating func varint() throws -> Int {
        var value = 0
        for shift in stride(from: 0, to: 28, by: 7) {
            let byte = try byte()
            value |= Int(byte & 0x7F) << shift
            if byte < 0x80 { return value }
        }
        throw KafkaError(code: 0, message: "a length in the record is too long")
    }

    mutating func string() throws -> String {
        let count = try varint()
        guard count <= remaining else { throw Self.truncated }
        defer { offset += count }
        return String(decoding: bytes[offset..<offset + count], as: UTF8.self)
    }

    mutating func time() throws -> Timestamp {
        guard remaining >= 8 else { throw Self.truncated }
        var milliseconds: UInt64 = 0
        for index in 0..<8 { milliseconds |= UInt64(bytes[offset + index]) << (8 * index) }
        offset += 8
        return Timestamp(milliseconds: Int64(bitPattern: milliseconds))
    }

    mutating func optionalString() throws -> String? {
        try isPresent() ? try string() : nil
    }

    mutating func optionalTime() throws -> Timestamp? {
        try isPresent() ? try time() : nil
    }

    /// An optional field's flag.
    private mutating func isPresent() throws -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        case let flag: throw KafkaError(code: 0, message: "an optional field's flag is \(flag), not 0 or 1")
        }
    }

    private static let truncated = KafkaError(code: 0, message: "the record is truncated")
}
