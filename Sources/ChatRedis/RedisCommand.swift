import NIOCore

/// A Redis command, encoded as it is built: each argument goes straight into a buffer as a RESP bulk string, and
/// ``write(into:)`` puts the array header in front. No intermediate array of strings.
public struct RedisCommand: Sendable, CustomStringConvertible {
    /// How many arguments, the command name included.
    public private(set) var argumentCount: Int = 0
    /// The command name, for logs and errors.
    public let name: String
    private var arguments: ByteBuffer

    /// A command with its name (`GET`, `HSET`…) as the first argument.
    public init(_ name: String) {
        self.name = name
        self.arguments = ByteBuffer()
        self.append(name)
    }

    /// A command with its name and string arguments.
    public init(_ name: String, _ arguments: [String]) {
        self.init(name)
        for argument in arguments { self.append(argument) }
    }

    /// A command with its name and string arguments.
    public init(_ name: String, _ arguments: String...) { self.init(name, arguments) }

    /// Appends a text argument.
    public mutating func append(_ argument: some StringProtocol) {
        let utf8 = argument.utf8
        writeHeader(length: utf8.count)
        arguments.writeBytes(utf8)
        arguments.writeStaticString("\r\n")
    }

    /// Appends a binary argument.
    public mutating func append(bytes argument: ByteBuffer) {
        writeHeader(length: argument.readableBytes)
        arguments.writeImmutableBuffer(argument)
        arguments.writeStaticString("\r\n")
    }

    /// Appends a binary argument.
    public mutating func append(bytes argument: some Collection<UInt8>) {
        writeHeader(length: argument.count)
        arguments.writeBytes(argument)
        arguments.writeStaticString("\r\n")
    }

    /// Appends an integer argument in decimal.
    public mutating func append(_ argument: some BinaryInteger) { append(String(argument)) }

    private mutating func writeHeader(length: Int) {
        argumentCount += 1
        arguments.writeStaticString("$")
        arguments.writeString(String(length))
        arguments.writeStaticString("\r\n")
    }

    /// Writes the command as a RESP array of bulk strings.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("*")
        buffer.writeString(String(argumentCount))
        buffer.writeStaticString("\r\n")
        buffer.writeImmutableBuffer(arguments)
    }

    /// The encoded size, for buffer capacity.
    var encodedSize: Int { arguments.readableBytes + 16 }

    /// The command name only: arguments may hold secrets (AUTH) or user data.
    public var description: String { name }
}
