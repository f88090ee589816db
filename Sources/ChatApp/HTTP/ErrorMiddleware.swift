import ChatCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Turns every error a route throws into the API's JSON error shape, so a client never sees an HTML page or an empty
/// 500: `{"error":{"code":"…","message":"…","field":"…"}}`. Unexpected errors are logged and answered with a generic 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let chatError = Self.chatError(for: error)
            if chatError.code == .internalError {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            }
            if V1ErrorMapping.isV1(request.uri.path) {
                return V1ErrorMapping.v1Error(for: error, chatError: chatError).response
            }
            var response = APIErrorBody(chatError).response(status: chatError.httpStatus)
            switch chatError.code {
            case .rateLimited: response.headers[.retryAfter] = "60"
            case .unauthenticated: response.headers[.wwwAuthenticate] = "Bearer"
            default: break
            }
            return response
        }
    }

    /// The `ChatError` a thrown error means for the client.
    static func chatError(for error: any Error) -> ChatError {
        switch error {
        case let error as ChatError:
            return error
        case let error as V1Error:
            return ChatError(.invalidRequest, error.message)  // answered in the v1 shape before this is used
        case let error as HTTPError:
            switch error.status {
            case .notFound: return ChatError.notFound(error.body ?? "no such route")
            case .contentTooLarge: return ChatError(.payloadTooLarge, error.body ?? "request body too large")
            case .methodNotAllowed: return ChatError(.invalidRequest, "method not allowed")
            case .unauthorized: return ChatError.unauthenticated(error.body ?? "unauthenticated")
            default:
                if (400..<500).contains(error.status.code) { return ChatError.invalidRequest(error.body ?? error.status.reasonPhrase) }
                return ChatError(.internalError, "internal error")
            }
        case let error as DecodingError:
            return JSONBody.chatError(for: error)
        default:
            return ChatError(.internalError, "internal error")
        }
    }
}

extension ChatError {
    /// The HTTP status of the v2 API for this error.
    var httpStatus: HTTPResponse.Status {
        switch code {
        case .invalidRequest: .badRequest
        case .validationFailed: .unprocessableContent
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        default: .internalServerError
        }
    }
}

/// The v2 error body.
struct APIErrorBody: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
        var field: String?
    }

    var error: Detail

    init(_ error: ChatError) {
        self.error = Detail(code: error.code.rawValue, message: error.message, field: error.field)
    }

    func response(status: HTTPResponse.Status) -> Response {
        JSONResponse.make(self, status: status)
    }
}
