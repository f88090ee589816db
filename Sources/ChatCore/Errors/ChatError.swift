/// The one error type of the domain. The code is an extensible struct rather than a public enum, so adding a code never
/// breaks a caller's `switch`; the edge (`ChatApp`) maps codes to HTTP statuses and Socket.IO error acks.
public struct ChatError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The request is malformed (bad JSON, wrong type, bad cursor).
        public static let invalidRequest = Code("invalid_request")
        /// The request is well formed but a value breaks a rule (too long, bad format).
        public static let validationFailed = Code("validation_failed")
        /// No valid credentials.
        public static let unauthenticated = Code("unauthenticated")
        /// The caller is known but may not do this.
        public static let forbidden = Code("forbidden")
        /// The thing does not exist, or the caller may not know that it exists.
        public static let notFound = Code("not_found")
        /// The request conflicts with the current state (already exists, not pending).
        public static let conflict = Code("conflict")
        /// A size limit was exceeded.
        public static let payloadTooLarge = Code("payload_too_large")
        /// Unsupported content type.
        public static let unsupportedMediaType = Code("unsupported_media_type")
        /// Too many requests.
        public static let rateLimited = Code("rate_limited")
        /// A backend is not available right now.
        public static let unavailable = Code("unavailable")
        /// A bug or an unexpected backend failure.
        public static let internalError = Code("internal_error")
    }

    public var code: Code
    public var message: String
    /// The input field the error is about, when there is one.
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { "\(code): \(message)" }

    public static func invalidRequest(_ message: String, field: String? = nil) -> ChatError { .init(.invalidRequest, message, field: field) }
    public static func validation(_ message: String, field: String? = nil) -> ChatError { .init(.validationFailed, message, field: field) }
    public static func notFound(_ message: String) -> ChatError { .init(.notFound, message) }
    public static func forbidden(_ message: String) -> ChatError { .init(.forbidden, message) }
    public static func conflict(_ message: String, field: String? = nil) -> ChatError { .init(.conflict, message, field: field) }
    public static func unauthenticated(_ message: String) -> ChatError { .init(.unauthenticated, message) }
}
