import ChatCore
import Foundation
import Hummingbird

/// Verifies the `Authorization: Bearer` token of every request that passes through it and records the identity in the
/// context. Without a valid token the request ends here with 401.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext

    let verifier: any IdentityVerifier

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw ChatError.unauthenticated("missing bearer token") }
        guard let token = Self.bearerToken(header) else { throw ChatError.unauthenticated("the Authorization header must be 'Bearer <token>'") }
        var context = context
        let identity = try await verifier.verify(bearerToken: token)
        context.identity = identity
        context.logger[metadataKey: "chat.user.id"] = "\(identity.userID.rawValue)"
        return try await next(request, context)
    }

    static func bearerToken(_ header: String) -> String? {
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
