import AsyncHTTPClient
import Foundation

/// Fetches Google's token-signing certificates over HTTP: a GET of the configured URL answering 200 with a JSON
/// object `{"kid": "-----BEGIN CERTIFICATE-----…"}`, within a time limit and a response size limit.
public struct HTTPFirebaseCertificateSource: FirebaseCertificateSource {
    /// Why a fetch failed; the verifier turns every fetch failure into `ChatError(.unavailable)`.
    public struct FetchError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What went wrong, without response content.
        public var message: String

        public var description: String { message }
    }

    private let url: String
    private let httpClient: HTTPClient
    private let timeout: Duration
    private let maxResponseBytes: Int

    /// Creates a source for `configuration`'s URL, limits and timeout, using `httpClient` (default `.shared`).
    public init(configuration: FirebaseConfiguration, httpClient: HTTPClient = .shared) {
        self.url = configuration.certificatesURL
        self.httpClient = httpClient
        self.timeout = configuration.fetchTimeout
        self.maxResponseBytes = configuration.maxResponseBytes
    }

    /// Fetches and decodes the certificates. Throws `FetchError` or the HTTP client's error.
    public func fetch() async throws -> (certificates: [String: String], maxAge: Duration?) {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        let nanoseconds = max(1, timeout.milliseconds) * 1_000_000
        let response = try await httpClient.execute(request, timeout: .nanoseconds(nanoseconds))
        guard response.status.code == 200 else {
            throw FetchError(message: "certificate endpoint answered \(response.status.code)")
        }
        let body = try await response.body.collect(upTo: maxResponseBytes)
        guard let certificates = try? JSONDecoder().decode([String: String].self, from: Data(body.readableBytesView)) else {
            throw FetchError(message: "certificate endpoint answered with something other than a JSON object of strings")
        }
        let maxAge = response.headers["Cache-Control"].lazy.compactMap(Self.maxAge(cacheControl:)).first
        return (certificates, maxAge)
    }

    /// The `max-age` directive of a `Cache-Control` header value, nil when absent or not a number. `no-cache` and
    /// `no-store` count as zero (the cache then applies its minimum lifetime).
    static func maxAge(cacheControl: String) -> Duration? {
        for directive in cacheControl.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let first = parts.first else { continue }
            let name = first.trimmingCharacters(in: .whitespaces).lowercased()
            if name == "no-cache" || name == "no-store" { return .zero }
            guard name == "max-age", parts.count == 2 else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard let seconds = Int64(value), seconds >= 0 else { return nil }
            return .seconds(min(seconds, 10 * 365 * 24 * 3600))
        }
        return nil
    }
}
