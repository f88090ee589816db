import ChatCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Request and response JSON with the API's limits and error messages.
enum JSONBody {
    /// Decodes the request body as `T`, collecting at most `limit` bytes. A body over the limit is 413, a body that is not
    /// JSON or has the wrong shape is 400 naming the offending field.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        if let contentType = request.headers[.contentType], !contentType.lowercased().contains("json") {
            throw ChatError(.unsupportedMediaType, "the body must be application/json")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw ChatError(.payloadTooLarge, "the request body exceeds \(limit) bytes")
        }
        guard buffer.readableBytes > 0 else { throw ChatError.invalidRequest("the request body must be a JSON object") }
        do {
            return try JSONDecoder().decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw chatError(for: error)
        }
    }

    static func chatError(for error: DecodingError) -> ChatError {
        func path(_ context: DecodingError.Context) -> String? {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? nil : path
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = (path(context).map { $0 + "." } ?? "") + key.stringValue
            return ChatError.invalidRequest("missing field '\(field)'", field: field)
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let field = path(context)
            return ChatError.invalidRequest("field '\(field ?? "body")' must be \(describe(type))", field: field)
        case .dataCorrupted(let context):
            if let field = path(context) { return ChatError.invalidRequest("field '\(field)' is invalid", field: field) }
            return ChatError.invalidRequest("the request body is not valid JSON")
        @unknown default:
            return ChatError.invalidRequest("the request body is invalid")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is String?.Type: "a string"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "of the expected type"
        }
    }
}

/// JSON responses with an explicit status.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        do {
            let data = try encoder.encode(value)
            return Response(
                status: status,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
            )
        } catch {
            return Response(
                status: .internalServerError,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":{"code":"internal_error","message":"encoding failed"}}"#))
            )
        }
    }

    static func noContent() -> Response { Response(status: .noContent) }
}
