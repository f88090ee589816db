import ChatApp
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import ChatStoreSQL

/// Which database an end-to-end test runs on.
enum TestBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres
    case mariadb

    var testDescription: String { rawValue }

    static let postgresURLVariable = "CHATBLIZZ_TEST_POSTGRES_URL"
    static let mariadbURLVariable = "CHATBLIZZ_TEST_MARIADB_URL"

    /// The database URL for a fresh database, or nil when the server is not configured (an issue under `CI=true`).
    func databaseURL(directory: String) async throws -> String? {
        switch self {
        case .sqlite:
            return "sqlite:\(directory)/chatblizz.sqlite"
        case .postgres:
            let environment = ProcessInfo.processInfo.environment
            guard let url = environment[Self.postgresURLVariable], !url.isEmpty else {
                if environment["CI"] == "true" { Issue.record("\(Self.postgresURLVariable) is not set: PostgreSQL tests must run in CI") }
                return nil
            }
            let schema = "chatapp_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12))"
            // pool_timeout: see TestDatabases.postgresConfiguration (ChatStoreSQLTests) on waits in loaded runs.
            return url + (url.contains("?") ? "&" : "?") + "schema=\(schema)&pool_size=4&pool_timeout=60"
        case .mariadb:
            return try await Self.freshMariaDBDatabase()
        }
    }

    /// A new, empty database on the MariaDB server of `CHATBLIZZ_TEST_MARIADB_URL`, as a URL.
    private static func freshMariaDBDatabase() async throws -> String? {
        let environment = ProcessInfo.processInfo.environment
        #if MariaDB
        guard let url = environment[mariadbURLVariable], !url.isEmpty, var components = URLComponents(string: url) else {
            if environment["CI"] == "true" { Issue.record("\(mariadbURLVariable) is not set: MariaDB tests must run in CI") }
            return nil
        }
        let name = "chatapp_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12))"
        try await SQLDatabaseClient(url: url).withRunning { client in
            try await client.provider.withSession { database in try await database.raw("CREATE DATABASE \(ident: name)").run() }
        }
        components.path = "/" + name
        components.query = "pool_size=4"
        return components.string
        #else
        if environment["CI"] == "true" { Issue.record("built without the MariaDB trait: CI must run `swift test --traits MariaDB`") }
        return nil
        #endif
    }
}

/// A response with its body decoded as JSON.
struct APIResponse: Sendable {
    var status: HTTPResponse.Status
    var json: TestJSON
    var text: String
    var headers: HTTPFields
}

/// A live ChatBlizz server on a free port, driven over real TCP.
struct TestServer {
    let client: any TestClientProtocol

    /// Runs `body` against a fresh server; returns false when the backend is not available here. Throws when the
    /// server has not started within `startTimeout` (see `runLive`).
    @discardableResult
    static func run(
        _ backend: TestBackend,
        startTimeout: Duration = .seconds(120),
        configure: (inout AppConfiguration) -> Void = { _ in },
        body: @escaping @Sendable (TestServer) async throws -> Void
    ) async throws -> Bool {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-app-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard let url = try await backend.databaseURL(directory: directory) else { return false }
        var configuration = AppConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.dataDirectory = directory
        configuration.databaseURL = url
        configuration.bcryptCost = 4
        configuration.authAttemptsPerMinute = 1000
        configure(&configuration)
        var logger = Logger(label: "chatblizz.test")
        logger.logLevel = .warning
        let app = try await buildApplication(configuration, logger: logger)
        try await runLive(app, startTimeout: startTimeout, body: body)
        return true
    }

    /// `app.test(.live)`, except that a server that never starts fails instead of hanging.
    ///
    /// HummingbirdTesting's live framework waits for the server's port without a bound and without reacting to
    /// cancellation. When a step before the server starts fails (the migration in `beforeServerStarts`) or a service
    /// ends the group first, the port never comes and the test waited for ever: in one CI run a MariaDB migration
    /// that could not take its lock hung the whole run (`TestServerTests`). So the framework runs in a task of its own,
    /// and if the body has not started after `startTimeout`, this throws and leaves that task waiting.
    private static func runLive<App: ApplicationProtocol>(
        _ app: App,
        startTimeout: Duration,
        body: @escaping @Sendable (TestServer) async throws -> Void
    ) async throws {
        let progress = Mutex(LiveProgress.starting)
        let live = Task {
            defer { progress.withLock { $0 = .ended } }
            try await app.test(.live) { client in
                progress.withLock { $0 = .serving }
                try await body(TestServer(client: client))
            }
        }
        try await withTaskCancellationHandler {
            let deadline = ContinuousClock.now + startTimeout
            while progress.withLock({ $0 }) == .starting {
                guard ContinuousClock.now < deadline else {
                    throw TestServerError.didNotStart(startTimeout)
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            try await live.value
        } onCancel: {
            live.cancel()
        }
    }

    private enum LiveProgress {
        case starting
        case serving
        case ended
    }

    func request(
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String? = nil,
        json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> APIResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            let decoded = text.isEmpty ? TestJSON.null : ((try? JSONDecoder().decode(TestJSON.self, from: Data(text.utf8))) ?? .null)
            return APIResponse(status: response.status, json: decoded, text: text, headers: response.headers)
        }
    }

    /// Registers a user and returns `(id, accessToken)`.
    func register(_ username: String) async throws -> (id: String, token: String) {
        let response = try await request(
            .post,
            "/api/v2/auth/register",
            json: #"{"username":"\#(username)","email":"\#(username)@example.com","password":"correct horse battery"}"#
        )
        #expect(response.status == .created, "\(response.text)")
        return (response.json["user"]["id"].string ?? "", response.json["accessToken"].string ?? "")
    }

    /// Makes `a` and `b` friends.
    func befriend(_ a: (id: String, token: String), _ b: (id: String, token: String)) async throws {
        let sent = try await request(.post, "/api/v2/friends/requests", token: a.token, json: #"{"userId":"\#(b.id)"}"#)
        #expect(sent.status == .created, "\(sent.text)")
        let accepted = try await request(.post, "/api/v2/friends/requests/\(a.id)/accept", token: b.token)
        #expect(accepted.status == .ok, "\(accepted.text)")
    }
}

/// Expects a v2 error response.
func expectError(
    _ response: APIResponse,
    _ status: HTTPResponse.Status,
    code: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.json["error"]["message"].string != nil, "\(response.text)", sourceLocation: sourceLocation)
    if let code { #expect(response.json["error"]["code"].string == code, "\(response.text)", sourceLocation: sourceLocation) }
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
}

enum TestServerError: Error {
    /// The test needs a server on a port.
    case notLive
    /// The server did not start within this time: a service, or a step before the server starts (the migration),
    /// failed.
    case didNotStart(Duration)
}
