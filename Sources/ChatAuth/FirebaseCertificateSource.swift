/// Where the verifier gets Google's token-signing certificates from. The HTTP implementation is
/// `HTTPFirebaseCertificateSource`; tests substitute their own to drive the cache.
public protocol FirebaseCertificateSource: Sendable {
    /// Fetches the current certificates, keyed by `kid`, each a PEM X.509 certificate, and how long the response
    /// may be cached (`Cache-Control: max-age`), nil when it does not say. Any error means the source is unavailable.
    func fetch() async throws -> (certificates: [String: String], maxAge: Duration?)
}
