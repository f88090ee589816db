import Foundation
import NIOCore

extension JSONValue: Codable {
    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            var object = JSONObject()
            for key in value.keys.sorted() { object[key] = value[key] }
            self = .object(object)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Encodes this value; binary buffers are encoded as `Data`.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let object):
            var container = encoder.container(keyedBy: JSONKey.self)
            for member in object.members {
                try container.encode(member.value, forKey: JSONKey(member.key))
            }
        case .binary(let buffer):
            var container = encoder.singleValueContainer()
            try container.encode(Data(buffer.readableBytesView))
        }
    }

    /// Encodes any `Encodable` value through `JSONEncoder` into a `JSONValue`.
    ///
    /// `Data` values come out as base64 strings (the encoder's default); pass a ``binary(_:)`` value yourself to send a
    /// real attachment.
    public init(encoding value: some Encodable, encoder: JSONEncoder = JSONEncoder()) throws {
        if let direct = value as? JSONValue {
            self = direct
            return
        }
        let data = try encoder.encode(value)
        self = try JSONValue(parsing: data)
    }

    /// Decodes this value into a `Decodable` type through `JSONDecoder`; binary buffers decode as `Data`.
    public func decode<T: Decodable>(_ type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        if let direct = self as? T { return direct }
        return try decoder.decode(T.self, from: Data(self.jsonString.utf8))
    }
}

private struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { self.stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
