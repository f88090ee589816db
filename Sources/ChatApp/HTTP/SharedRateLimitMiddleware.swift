import ChatCore
import Foundation
import Hummingbird

/// Applies the auth routes' limits across every node (`RateLimiter.acquire` on a shared store), with the keys
/// `AuthController` uses on each node: per client address for `register`, `login`, `refresh` and `logout`, and per
/// login name for `login`. It runs before the controller, whose own per-node `check` stays as a second, local guard.
///
/// The login name is read from the JSON body, which is collected here (within the body limit) and handed on.
struct SharedRateLimitMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext

    let limiter: RateLimiter
    let maxBodyBytes: Int
    static let prefix = "/api/v2/auth/"
    static let routes: Set<String> = ["register", "login", "refresh", "logout"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.method == .post, path.hasPrefix(Self.prefix) else { return try await next(request, context) }
        let route = String(path.dropFirst(Self.prefix.count))
        guard Self.routes.contains(route) else { return try await next(request, context) }
        try await limiter.acquire("\(route):\(context.clientAddress)")
        guard route == "login" else { return try await next(request, context) }
        var request = request
        let body = try await request.collectBody(upTo: maxBodyBytes)
        if let login = Self.login(in: body) {
            try await limiter.acquire("login-user:\(login.lowercased().prefix(256))")
        }
        return try await next(request, context)
    }

    private struct LoginField: Decodable {
        var login: String
    }

    /// The `login` field, or nil for a body the controller will refuse anyway.
    static func login(in body: ByteBuffer) -> String? {
        try? JSONDecoder().decode(LoginField.self, from: Data(body.readableBytesView)).login
    }
}
