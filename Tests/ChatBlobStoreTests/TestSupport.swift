import ChatBlobStore
import Crypto
import Foundation
import Testing

/// Helpers shared by the suites: hashing, temporary directories, the moto server.
enum TestSupport {

    static func withTemporaryDirectory(_ body: (String) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("chatblizz-blobs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await body(root)
    }

    /// Every file below `root`, as paths relative to it.
    static func files(under root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(root)/\(path)", isDirectory: &isDirectory) && !isDirectory.boolValue
        }.map { "/" + $0 }
    }
}

/// moto's S3 server, started by `scripts/test` (scripts/services/s3.sh), which exports its URL.
enum MotoS3 {
    static func configuration(bucket: String) -> S3Configuration? {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["CHATBLIZZ_TEST_S3_ENDPOINT"], !endpoint.isEmpty, let url = URL(string: endpoint) else {
            if environment["CI"] == "true" {
                Issue.record("CHATBLIZZ_TEST_S3_ENDPOINT is not set: run the tests with scripts/test, which starts moto")
            }
            return nil
        }
        return S3Configuration(
            bucket: bucket,
            region: "us-east-1",
            accessKeyID: "testing",
            secretAccessKey: "testing",
            endpoint: url,
            usePathStyle: true,
            partSize: S3Configuration.minimumPartSize,
            maxAttempts: 3,
            retryBaseDelay: .milliseconds(50)
        )
    }

    /// A store on a new, empty bucket, or nil when no S3 server is configured.
    static func freshStore() async throws -> S3BlobStore? {
        guard let configuration = configuration(bucket: "chatblizz-\(UUID().uuidString.lowercased())") else { return nil }
        let store = S3BlobStore(configuration: configuration)
        try await store.createBucket()
        return store
    }
}
