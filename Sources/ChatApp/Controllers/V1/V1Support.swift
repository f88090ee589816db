import ChatCore
import Foundation
import HTTPTypes
import Hummingbird

/// An error of the v1 compatibility API, answered as the original's `{"message": ...}` body with `status`.
struct V1Error: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// 400 `{"message":"Unauthorized: No token provided"}`: no `Authorization: Bearer` header.
    static let noToken = V1Error(.badRequest, "Unauthorized: No token provided")
    /// 401 `{"message":"Forbidden: Invalid token"}`: the token was rejected.
    static let invalidToken = V1Error(.unauthorized, "Forbidden: Invalid token")

    /// 403 for an id that must be the caller's own but is not.
    static func notCaller(_ field: String) -> V1Error {
        V1Error(.forbidden, "Forbidden: \(field) must be the id of the signed-in user")
    }

    /// The response for this error.
    var response: Response { JSONResponse.make(V1MessageDTO(message: message), status: status) }
}

/// Maps any error thrown under `/api/v1` to the original's `{"message": ...}` shape (never HTML, never the v2 shape).
enum V1ErrorMapping {
    /// Whether `path` belongs to the v1 compatibility API.
    static func isV1(_ path: String) -> Bool {
        path == "/api/v1" || path.hasPrefix("/api/v1/")
    }

    /// The v1 error for `error`, which the v2 mapping already turned into `chatError` when it is not a `V1Error`.
    static func v1Error(for error: any Error, chatError: ChatError) -> V1Error {
        if let error = error as? V1Error { return error }
        switch chatError.code {
        case .invalidRequest, .validationFailed, .conflict: return V1Error(.badRequest, chatError.message)
        case .unauthenticated: return .invalidToken
        case .forbidden: return V1Error(.forbidden, "Forbidden: \(chatError.message)")
        case .notFound: return V1Error(.notFound, chatError.message == "no such route" ? "Not found" : chatError.message)
        case .internalError: return V1Error(.internalServerError, "Internal server error")
        default: return V1Error(chatError.httpStatus, chatError.message)
        }
    }
}

/// Helpers shared by the v1 controllers.
enum V1Input {
    /// The path parameter `name`, percent-decoded exactly once. A malformed escape (a bare `%`) is 400.
    static func pathParameter(_ name: String, _ context: ChatRequestContext) throws -> String {
        guard let raw = context.parameters.get(name) else { throw V1Error(.badRequest, "Empty \(name)") }
        guard let decoded = raw.removingPercentEncoding else { throw V1Error(.badRequest, "Malformed path parameter \(name)") }
        return decoded
    }

    /// The trimmed value, or nil when missing or blank.
    static func nonBlank(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    /// Throws 403 unless `value` is the caller's id.
    static func requireCaller(_ value: String, is me: UserID, field: String) throws {
        guard value == me.rawValue else { throw V1Error.notCaller(field) }
    }

    /// A user id from a body, path or query, checked for shape like the v2 API does.
    static func userID(_ value: String, field: String) throws -> UserID {
        guard value.utf8.count <= 128, !value.unicodeScalars.contains(where: { $0.value < 0x21 || $0 == ":" }) else {
            throw V1Error(.badRequest, "\(field) is not a valid user id")
        }
        return UserID(value)
    }
}
