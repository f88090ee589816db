import ChatApp
import Foundation
import Logging
import Testing

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    /// Every route the router registers is documented with its method, and the document documents nothing extra.
    @Test func everyRouteIsDocumented() async throws {
        let registry = RouteRegistry()
        var configuration = AppConfiguration()
        configuration.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-openapi-\(UUID().uuidString)").path
        configuration.databaseURL = "sqlite::memory:"
        configuration.metricsToken = "metrics-token-0123456789"  // so that /metrics is registered
        defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
        _ = try await buildApplication(configuration, logger: Logger(label: "test"), routes: registry)
        // The document describes the v2 API; the v1 compatibility routes are documented in docs/compatibility.md.
        let routes = Set(registry.routes.filter { !$0.split(separator: " ").dropFirst().joined().hasPrefix("/api/v1/") })
        #expect(routes.count > 20)

        let document = try JSONDecoder().decode(TestJSON.self, from: Data(OpenAPIDocument.data))
        #expect(document["openapi"].string?.hasPrefix("3.1") == true)
        guard case .object(let paths) = document["paths"] else {
            Issue.record("the document has no paths")
            return
        }
        var documented = Set<String>()
        for (path, item) in paths {
            for method in item.keys where ["get", "put", "post", "patch", "delete", "head", "options"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        #expect(routes.subtracting(documented).sorted() == [], "routes missing from openapi.json")
        #expect(documented.subtracting(routes).sorted() == [], "documented routes the server does not have")
    }
}
