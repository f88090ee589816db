extension JSONValue {
    /// Parses a complete JSON document.
    ///
    /// - Throws: ``SocketIOError/invalidJSON`` on any syntax error, trailing data or nesting deeper than 256.
    public init(parsing text: String) throws {
        var text = text
        self = try text.withUTF8 { bytes in
            var parser = JSONParser(bytes: bytes)
            return try parser.parseDocument()
        }
    }

    /// Parses a complete JSON document from UTF-8 bytes.
    public init(parsing bytes: some Collection<UInt8>) throws {
        let array = Array(bytes)
        self = try array.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            return try parser.parseDocument()
        }
    }
}

/// A strict RFC 8259 parser over UTF-8 bytes.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0
    static let maxDepth = 256

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws -> JSONValue {
        let value = try self.parseValue()
        self.skipWhitespace()
        guard self.index == self.bytes.count else { throw SocketIOError.invalidJSON("trailing data") }
        return value
    }

    private mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws -> JSONValue {
        self.skipWhitespace()
        guard self.index < self.bytes.count else { throw SocketIOError.invalidJSON("unexpected end") }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): return try self.parseObject()
        case UInt8(ascii: "["): return try self.parseArray()
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"):
            try self.expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.expectLiteral("null")
            return .null
        default: return try self.parseNumber()
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard self.bytes.count - self.index >= count else { throw SocketIOError.invalidJSON("bad literal") }
        let start = literal.utf8Start
        for offset in 0..<count where self.bytes[self.index + offset] != start[offset] {
            throw SocketIOError.invalidJSON("bad literal")
        }
        self.index += count
    }

    private mutating func enter() throws {
        self.depth += 1
        guard self.depth <= Self.maxDepth else { throw SocketIOError.invalidJSON("nesting too deep") }
    }

    private mutating func parseObject() throws -> JSONValue {
        try self.enter()
        defer { self.depth -= 1 }
        self.index += 1
        var object = JSONObject()
        // Most payload objects are small: one allocation instead of growing from one member.
        object.reserveCapacity(8)
        self.skipWhitespace()
        if self.peek() == UInt8(ascii: "}") {
            self.index += 1
            return .object(object)
        }
        while true {
            self.skipWhitespace()
            guard self.peek() == UInt8(ascii: "\"") else { throw SocketIOError.invalidJSON("expected key") }
            let key = try self.parseString()
            self.skipWhitespace()
            guard self.peek() == UInt8(ascii: ":") else { throw SocketIOError.invalidJSON("expected colon") }
            self.index += 1
            object[key] = try self.parseValue()
            self.skipWhitespace()
            switch self.peek() {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(object)
            default: throw SocketIOError.invalidJSON("expected , or }")
            }
        }
    }

    private mutating func parseArray() throws -> JSONValue {
        try self.enter()
        defer { self.depth -= 1 }
        self.index += 1
        var elements: [JSONValue] = []
        elements.reserveCapacity(4)
        self.skipWhitespace()
        if self.peek() == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            elements.append(try self.parseValue())
            self.skipWhitespace()
            switch self.peek() {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(elements)
            default: throw SocketIOError.invalidJSON("expected , or ]")
            }
        }
    }

    private func peek() -> UInt8? {
        self.index < self.bytes.count ? self.bytes[self.index] : nil
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard self.bytes.count - self.index >= 4 else { throw SocketIOError.invalidJSON("bad escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw SocketIOError.invalidJSON("bad escape")
            }
            value = value * 16 + digit
            self.index += 1
        }
        return value
    }

    private mutating func parseString() throws -> String {
        self.index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = self.index
        var hasEscapes = false
        while true {
            guard self.index < self.bytes.count else { throw SocketIOError.invalidJSON("unterminated string") }
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                let run = UnsafeBufferPointer(rebasing: self.bytes[runStart..<self.index])
                self.index += 1
                guard let tail = String(validating: run, as: UTF8.self) else { throw SocketIOError.invalidJSON("invalid UTF-8") }
                if !hasEscapes { return tail }
                scalars.append(contentsOf: tail.unicodeScalars)
                return String(scalars)
            }
            if byte < 0x20 { throw SocketIOError.invalidJSON("control character in string") }
            if byte != UInt8(ascii: "\\") {
                self.index += 1
                continue
            }
            hasEscapes = true
            let run = UnsafeBufferPointer(rebasing: self.bytes[runStart..<self.index])
            guard let prefix = String(validating: run, as: UTF8.self) else { throw SocketIOError.invalidJSON("invalid UTF-8") }
            scalars.append(contentsOf: prefix.unicodeScalars)
            self.index += 1
            guard let escape = self.peek() else { throw SocketIOError.invalidJSON("bad escape") }
            self.index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"): scalars.append(try self.parseUnicodeEscape())
            default: throw SocketIOError.invalidJSON("bad escape")
            }
            runStart = self.index
        }
    }

    /// Decodes `XXXX` (after `\u`), joining surrogate pairs; lone surrogates become U+FFFD like JavaScript's lenient decoders.
    private mutating func parseUnicodeEscape() throws -> Unicode.Scalar {
        let first = try self.parseHex4()
        if (0xD800...0xDBFF).contains(first) {
            if self.bytes.count - self.index >= 6, self.bytes[self.index] == UInt8(ascii: "\\"),
                self.bytes[self.index + 1] == UInt8(ascii: "u")
            {
                let save = self.index
                self.index += 2
                let second = try self.parseHex4()
                if (0xDC00...0xDFFF).contains(second) {
                    let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    return Unicode.Scalar(combined) ?? "\u{FFFD}"
                }
                self.index = save
            }
            return "\u{FFFD}"
        }
        return Unicode.Scalar(first) ?? "\u{FFFD}"
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = self.index
        if self.peek() == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.peek(), Self.isDigit(first) else { throw SocketIOError.invalidJSON("unexpected character") }
        if first == UInt8(ascii: "0") {
            self.index += 1
        } else {
            self.skipDigits()
        }
        if self.peek() == UInt8(ascii: ".") {
            self.index += 1
            guard let next = self.peek(), Self.isDigit(next) else { throw SocketIOError.invalidJSON("bad number") }
            self.skipDigits()
        }
        if let exponent = self.peek(), exponent == UInt8(ascii: "e") || exponent == UInt8(ascii: "E") {
            self.index += 1
            if let sign = self.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { self.index += 1 }
            guard let next = self.peek(), Self.isDigit(next) else { throw SocketIOError.invalidJSON("bad number") }
            self.skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        guard let value = Double(text) else { throw SocketIOError.invalidJSON("bad number") }
        return .number(value)
    }

    private mutating func skipDigits() {
        while let byte = self.peek(), Self.isDigit(byte) { self.index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
