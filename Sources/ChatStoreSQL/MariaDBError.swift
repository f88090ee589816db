/// An error reported by a MariaDB server or by Connector/C.
public struct MariaDBError: Error, Sendable, CustomStringConvertible {
    /// The server's error number (1000–1999 and 3000+), or Connector/C's (2000–2999).
    public let code: UInt32
    public let sqlState: String
    public let message: String

    public var description: String { "MariaDB error \(code) (\(sqlState)): \(message)" }

    /// Connector/C lost or could not open the connection (client error numbers 2000–2999).
    var isConnectionError: Bool { (2000..<3000).contains(code) }

    /// `ER_DUP_ENTRY`.
    var isUniqueViolation: Bool { code == 1062 }

    /// Deadlock victim (`ER_LOCK_DEADLOCK`): the transaction may run again at once.
    var isRetryable: Bool { code == 1213 }

    /// The server is shutting down, refuses connections (too many, not allowed), or a lock stayed held past
    /// `innodb_lock_wait_timeout` (`ER_LOCK_WAIT_TIMEOUT`, 50 s by default, which running again would only repeat):
    /// worth a 503, not a 500.
    var isUnavailable: Bool { isConnectionError || code == 1040 || code == 1053 || code == 1203 || code == 1205 }
}
