#if MariaDB
import SQLKit

/// One row of a text-protocol result: every value arrives as text (or NULL) and is parsed into the type asked for.
struct MariaDBRow: SQLRow {
    let columns: MariaDBColumns
    let values: [String?]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.index(of: column) != nil }

    func decodeNil(column: String) throws -> Bool {
        try value(column) == nil
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        try D(from: MariaDBValueDecoder(text: try value(column), column: column))
    }

    private func value(_ column: String) throws -> String? {
        guard let index = columns.index(of: column) else {
            throw DecodingError.keyNotFound(SQLCodingKey(column), .init(codingPath: [], debugDescription: "no column \(column)"))
        }
        return values[index]
    }
}

private struct SQLCodingKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Decodes one column's text as a single value: strings, integers, floating point and booleans (`0`/`1`), or anything
/// that decodes itself from one of those.
private struct MariaDBValueDecoder: Decoder, SingleValueDecodingContainer {
    let text: String?
    let column: String
    var codingPath: [any CodingKey] { [SQLCodingKey(column)] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw mismatch(type)
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw mismatch([Any].self) }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { text == nil }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch try present(type) {
        case "1", "true", "TRUE": true
        case "0", "false", "FALSE": false
        default: throw mismatch(type)
        }
    }

    func decode(_ type: String.Type) throws -> String { try present(type) }
    func decode(_ type: Double.Type) throws -> Double { try parse(type) }
    func decode(_ type: Float.Type) throws -> Float { try parse(type) }
    func decode(_ type: Int.Type) throws -> Int { try parse(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try parse(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try parse(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try parse(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try parse(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try parse(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try parse(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try parse(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try parse(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try parse(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }

    private func parse<T: LosslessStringConvertible>(_ type: T.Type) throws -> T {
        guard let value = T(try present(type)) else { throw mismatch(type) }
        return value
    }

    private func present(_ type: Any.Type) throws -> String {
        guard let text else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "\(column) is NULL"))
        }
        return text
    }

    private func mismatch(_ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "\(column) cannot be read as \(type)"))
    }
}
#endif
