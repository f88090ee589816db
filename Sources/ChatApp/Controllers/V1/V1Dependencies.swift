import ChatCore
import Hummingbird

/// What the v1 compatibility controllers need, built once by `buildRouter`.
struct V1Dependencies: Sendable {
    var api: APIDependencies
    var friendshipStore: any FriendshipStore
    /// The verifier without provisioning, for R1 `register` (whose token's uid has no user row yet).
    var registrationVerifier: any IdentityVerifier

    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try await api.decode(type, from: request)
    }

    /// The original's `status` for the caller's friendship with another user: `pending`, `accepted` or `unknown`
    /// (rejected, cancelled and removed rows mean a new request may be sent, which the original calls `unknown`).
    static func status(_ friendship: Friendship?) -> String {
        switch friendship?.status {
        case .pending?: "pending"
        case .accepted?: "accepted"
        default: "unknown"
        }
    }
}

/// Registers the 12 routes of the original API under `/api/v1/users`.
enum V1Routes {
    static func register(
        on router: Router<ChatRequestContext>,
        dependencies: V1Dependencies,
        verifier: any IdentityVerifier,
        registry: RouteRegistry
    ) {
        let prefix = "/api/v1/users"
        let open = RouteBuilder(group: router.group("api/v1/users"), prefix: prefix, registry: registry)
        let authenticated = RouteBuilder(
            group: router.group("api/v1/users").add(middleware: V1AuthenticationMiddleware(verifier: verifier)),
            prefix: prefix,
            registry: registry
        )
        V1UserController(dependencies: dependencies).register(open: open, authenticated: authenticated)
        V1MessageController(dependencies: dependencies).register(on: authenticated)
    }
}
