import NIOCore

/// A JSON value as carried by Socket.IO packets, extended with raw binary attachments.
///
/// Socket.IO payloads are JSON documents in which binary buffers may appear anywhere; on the wire they
/// travel as attachments referenced by placeholders. `JSONValue` keeps them in place as ``binary(_:)``
/// so handlers see the original structure.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A JSON number. Integers are exact up to 2^53.
    case number(Double)
    /// A JSON string.
    case string(String)
    /// A JSON array.
    case array([JSONValue])
    /// A JSON object; member order is preserved.
    case object(JSONObject)
    /// A binary buffer, sent as a Socket.IO attachment.
    case binary(ByteBuffer)
}

extension JSONValue {
    /// The string, when this value is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number, when this value is a number.
    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The number as an `Int`, when this value is an integral number in range.
    public var intValue: Int? {
        guard case .number(let value) = self, let exact = Int(exactly: value) else { return nil }
        return exact
    }

    /// The boolean, when this value is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, when this value is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, when this value is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The buffer, when this value is binary.
    public var binaryValue: ByteBuffer? {
        if case .binary(let value) = self { return value }
        return nil
    }

    /// Member lookup for objects; `nil` for other values or missing keys.
    public subscript(key: String) -> JSONValue? {
        self.objectValue?[key]
    }

    /// Whether any binary buffer occurs in this value.
    public var containsBinary: Bool {
        switch self {
        case .binary: return true
        case .array(let elements): return elements.contains { $0.containsBinary }
        case .object(let object): return object.members.contains { $0.value.containsBinary }
        default: return false
        }
    }
}

extension JSONValue {
    /// An event's data, `[name, arguments…]`, in one allocation with room for the offset that connection state recovery
    /// appends.
    static func eventArray(_ name: String, _ arguments: [JSONValue]) -> JSONValue {
        var elements: [JSONValue] = []
        elements.reserveCapacity(arguments.count + 2)
        elements.append(.string(name))
        elements.append(contentsOf: arguments)
        return .array(elements)
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// Creates `null`.
    public init(nilLiteral: ()) { self = .null }
    /// Creates a boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// Creates a number.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// Creates a number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// Creates a string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates an array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Creates an object, keeping the literal's member order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(members: elements))
    }
}

/// An ordered JSON object. Member order is kept so that encoded packets are stable and predictable.
///
/// The members live in one array: a payload object costs one allocation, not one for its keys and one for its values.
public struct JSONObject: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// One member. A struct rather than a tuple, so that copying and destroying members is compiled code rather than
    /// the runtime's generic tuple witnesses.
    public struct Member: Sendable, Hashable {
        /// The member name.
        public var key: String
        /// The member value.
        public var value: JSONValue
    }

    /// The members, in order.
    public private(set) var members: [Member]

    /// The member names, in order.
    public var keys: [String] { self.members.map(\.key) }
    /// The member values, in the order of ``keys``.
    public var values: [JSONValue] { self.members.map(\.value) }

    /// Creates an empty object.
    public init() {
        self.members = []
    }

    /// Creates an object from a literal, keeping member order; a repeated key keeps its first place and last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(members: elements)
    }

    /// Creates an object from members in order; a repeated key keeps its first place and last value.
    public init(members: some Collection<(String, JSONValue)>) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for (key, value) in members { self[key] = value }
    }

    /// The number of members.
    public var count: Int { self.members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { self.members.isEmpty }

    /// Makes room for `capacity` members, so that adding them allocates nothing more.
    public mutating func reserveCapacity(_ capacity: Int) {
        self.members.reserveCapacity(capacity)
    }

    /// Reads, replaces, appends (new key) or removes (`nil`) a member.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let index = self.index(of: key) else { return nil }
            return self.members[index].value
        }
        set {
            if let index = self.index(of: key) {
                if let newValue {
                    self.members[index].value = newValue
                } else {
                    self.members.remove(at: index)
                }
            } else if let newValue {
                self.members.append(Member(key: key, value: newValue))
            }
        }
    }

    private func index(of key: String) -> Int? {
        self.members.firstIndex { $0.key == key }
    }

}
