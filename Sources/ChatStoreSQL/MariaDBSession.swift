#if MariaDB
import Logging
import NIOCore
import NIOPosix
import SQLKit

/// One leased MariaDB connection as an SQLKit database. Binds are sent as literals escaped by Connector/C (the text
/// protocol, as Python's mysqlclient does), so a statement is one round trip.
struct MariaDBSession: SQLDatabase {
    let connection: MariaDBConnection
    let threadPool: NIOThreadPool
    let logger: Logger

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { MariaDBDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        let connection = self.connection
        try await threadPool.runIfActive {
            let statement = try Self.render(sql, binds: binds, on: connection)
            try connection.query(statement) { onRow($0) }
        }
    }

    /// `sql` with each bind marker replaced by its bind as a literal.
    static func render(_ sql: String, binds: [any Encodable & Sendable], on connection: MariaDBConnection) throws -> String {
        let parts = sql.split(separator: MariaDBDialect.bindMarker, omittingEmptySubsequences: false)
        guard parts.count == binds.count + 1 else {
            throw MariaDBError(code: 0, sqlState: "HY000", message: "\(binds.count) binds for \(parts.count - 1) placeholders")
        }
        var statement = String(parts[0])
        statement.reserveCapacity(sql.utf8.count + binds.count * 16)
        for (bind, part) in zip(binds, parts.dropFirst()) {
            try appendLiteral(bind, to: &statement, on: connection)
            statement += part
        }
        return statement
    }

    private static func appendLiteral(_ bind: any Encodable & Sendable, to sql: inout String, on connection: MariaDBConnection) throws {
        switch bind {
        case let value as String: try connection.appendLiteral(value, to: &sql)
        case let value as Int64: sql += String(value)
        case let value as Int: sql += String(value)
        case let value as Int32: sql += String(value)
        case let value as UInt64: sql += String(value)
        case let value as UInt32: sql += String(value)
        case let value as Bool: sql += value ? "TRUE" : "FALSE"
        case let value as Double where value.isFinite: sql += "\(value)"
        default:
            // A nil optional fails every cast above.
            let mirror = Mirror(reflecting: bind)
            guard mirror.displayStyle == .optional, mirror.children.isEmpty else {
                throw MariaDBError(code: 0, sqlState: "HY000", message: "unsupported bind type \(type(of: bind))")
            }
            sql += "NULL"
        }
    }
}

/// MariaDB's SQL: backtick identifiers, and a bind marker that `MariaDBSession.render` replaces.
struct MariaDBDialect: SQLDialect {
    /// A control character that no statement text of the stores contains (values never reach the text: they are
    /// binds), so it cannot be confused with a `?` inside a string literal.
    static let bindMarker: Character = "\u{1}"

    var name: String { "mariadb" }
    var identifierQuote: any SQLExpression { SQLRaw("`") }
    var literalStringQuote: any SQLExpression { SQLRaw("'") }
    var supportsAutoIncrement: Bool { true }
    var autoIncrementClause: any SQLExpression { SQLRaw("AUTO_INCREMENT") }
    var supportsReturning: Bool { true }
    func bindPlaceholder(at position: Int) -> any SQLExpression { SQLRaw(String(Self.bindMarker)) }
    func literalBoolean(_ value: Bool) -> any SQLExpression { SQLRaw(value ? "TRUE" : "FALSE") }
}
#endif
