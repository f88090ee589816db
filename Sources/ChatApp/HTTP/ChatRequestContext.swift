import ChatCore
import Hummingbird
import NIOCore

/// The request context of every ChatBlizz route: Hummingbird's core storage plus the caller's verified identity, set by
/// `AuthenticationMiddleware` and nowhere else.
public struct ChatRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The verified caller; nil on routes that need no token.
    public var identity: VerifiedIdentity?
    /// The peer's IP address, for rate limits and logs.
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.identity = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Hummingbird's own decoding limit; ChatBlizz collects JSON bodies with `JSONBody.decode` and the configured limit.
    public var maxUploadSize: Int { 64 * 1024 }

    /// The caller's user id. Throws `unauthenticated` if the route was reached without the middleware.
    public func requireUserID() throws -> UserID {
        guard let identity else { throw ChatError.unauthenticated("missing bearer token") }
        return identity.userID
    }
}
