import ChatCore
import Foundation
import Hummingbird

/// The v1 API's token check, with the original's answers: no `Authorization: Bearer` header is 400
/// `{"message":"Unauthorized: No token provided"}`, a rejected token is 401 `{"message":"Forbidden: Invalid token"}`.
/// The verifier is the provisioning one, so a Firebase uid without a user row is created or rejected here.
struct V1AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext

    let verifier: any IdentityVerifier

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let identity = try await Self.verify(request, verifier: verifier)
        context.identity = identity
        context.logger[metadataKey: "chat.user.id"] = "\(identity.userID.rawValue)"
        return try await next(request, context)
    }

    /// The identity of the request's bearer token, or the v1 error for a missing or rejected token.
    static func verify(_ request: Request, verifier: any IdentityVerifier) async throws -> VerifiedIdentity {
        guard let header = request.headers[.authorization], let token = AuthenticationMiddleware.bearerToken(header) else {
            throw V1Error.noToken
        }
        do {
            return try await verifier.verify(bearerToken: token)
        } catch let error as ChatError where error.code == .unauthenticated {
            throw V1Error.invalidToken
        }
    }
}
