import HTTPTypes
import Hummingbird
import Synchronization

/// Records every route the API registers, so a test can check each one is in the OpenAPI document.
public final class RouteRegistry: Sendable {
    private let recorded = Mutex<[String]>([])

    public init() {}

    /// `METHOD /path` for every registered route, with `{name}` parameters.
    public var routes: [String] { recorded.withLock { $0 } }

    func record(_ method: HTTPRequest.Method, _ path: String) {
        recorded.withLock { $0.append("\(method.rawValue) \(path)") }
    }
}

/// Registers routes on a router group under a prefix and records them.
struct RouteBuilder {
    let group: RouterGroup<ChatRequestContext>
    let prefix: String
    let registry: RouteRegistry

    func on(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ handler: @escaping @Sendable (Request, ChatRequestContext) async throws -> Response
    ) {
        registry.record(method, prefix + (path.isEmpty ? "" : "/" + path))
        group.on(RouterPath(path), method: method, use: handler)
    }
}
