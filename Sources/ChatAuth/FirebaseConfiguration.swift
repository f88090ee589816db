import Foundation

/// How Firebase ID tokens are checked: which project they must be issued for, where Google's signing certificates
/// are fetched from, and the cache and clock-skew limits.
public struct FirebaseConfiguration: Sendable {
    /// The configuration key of the Firebase project id. Unset or empty disables Firebase sign-in.
    public static let projectIDKey = "FIREBASE_PROJECT_ID"
    /// The configuration key of the certificate endpoint; unset or empty means `defaultCertificatesURL`.
    public static let certificatesURLKey = "FIREBASE_CERTS_URL"
    /// Google's x509 certificate endpoint for Firebase ID tokens (`{"kid": "-----BEGIN CERTIFICATE-----…"}`).
    public static let defaultCertificatesURL = "https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com"
    /// The largest clock skew accepted.
    public static let maxLeeway: Duration = .seconds(60)

    /// The Firebase project id: tokens need `aud` equal to it and `iss` equal to `https://securetoken.google.com/<id>`.
    public var projectID: String
    /// The certificate endpoint (http or https).
    public var certificatesURL: String
    /// Clock skew tolerated for `exp`, `iat` and `auth_time`, at most 60 seconds (default 60 seconds).
    public var leeway: Duration
    /// How long certificates are kept when the response has no `Cache-Control: max-age` (default 1 hour).
    public var defaultCacheLifetime: Duration
    /// The longest a certificate set is kept, whatever `max-age` says (default 24 hours).
    public var maxCacheLifetime: Duration
    /// At most one fetch per this interval: it rate-limits refreshes on an unknown `kid` and retries after a failed
    /// fetch, and is the shortest cache lifetime (default 30 seconds).
    public var minimumRefreshInterval: Duration
    /// The time limit of one certificate fetch (default 10 seconds).
    public var fetchTimeout: Duration
    /// The largest certificate response accepted (default 256 KiB; Google's is about 4 KiB).
    public var maxResponseBytes: Int

    /// Creates a configuration; every value but the project id has a production default.
    public init(
        projectID: String,
        certificatesURL: String = FirebaseConfiguration.defaultCertificatesURL,
        leeway: Duration = .seconds(60),
        defaultCacheLifetime: Duration = .seconds(3600),
        maxCacheLifetime: Duration = .seconds(24 * 3600),
        minimumRefreshInterval: Duration = .seconds(30),
        fetchTimeout: Duration = .seconds(10),
        maxResponseBytes: Int = 256 * 1024
    ) {
        self.projectID = projectID
        self.certificatesURL = certificatesURL
        self.leeway = leeway
        self.defaultCacheLifetime = defaultCacheLifetime
        self.maxCacheLifetime = maxCacheLifetime
        self.minimumRefreshInterval = minimumRefreshInterval
        self.fetchTimeout = fetchTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// The `iss` a token of this project carries.
    public var issuer: String { "https://securetoken.google.com/\(projectID)" }

    /// Reads `FIREBASE_PROJECT_ID` and `FIREBASE_CERTS_URL` from `env`. Returns nil when the project id is unset or
    /// empty; throws `AuthConfigurationError` naming the key when a value is invalid.
    public static func fromEnvironment(_ env: [String: String]) throws -> FirebaseConfiguration? {
        let projectID = env[projectIDKey]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !projectID.isEmpty else { return nil }
        var configuration = FirebaseConfiguration(projectID: projectID)
        if let url = env[certificatesURLKey]?.trimmingCharacters(in: .whitespacesAndNewlines), !url.isEmpty {
            configuration.certificatesURL = url
        }
        try configuration.validate()
        return configuration
    }

    /// Throws `AuthConfigurationError` naming the key or setting to fix.
    func validate() throws {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")
        guard !projectID.isEmpty, projectID.utf8.count <= 128, projectID.unicodeScalars.allSatisfy(allowed.contains) else {
            throw AuthConfigurationError("\(Self.projectIDKey) must be a Firebase project id (letters, digits, '-', at most 128)")
        }
        guard let url = URL(string: certificatesURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw AuthConfigurationError("\(Self.certificatesURLKey) must be an http or https URL")
        }
        guard leeway >= .zero, leeway <= Self.maxLeeway else {
            throw AuthConfigurationError("the Firebase token leeway must be between 0 and 60 seconds")
        }
        guard minimumRefreshInterval >= .zero, defaultCacheLifetime >= minimumRefreshInterval, maxCacheLifetime >= defaultCacheLifetime else {
            throw AuthConfigurationError("Firebase certificate cache lifetimes must satisfy minimum <= default <= maximum")
        }
        guard fetchTimeout > .zero, maxResponseBytes > 0 else {
            throw AuthConfigurationError("the Firebase certificate fetch timeout and size limit must be positive")
        }
    }
}
