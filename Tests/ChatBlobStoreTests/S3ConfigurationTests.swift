import ChatBlobStore
import ChatCore
import ChatCoreTesting
import Foundation
import Testing

struct S3ConfigurationTests {
    static let base = ["AWS_BUCKET_NAME": "chat-files", "AWS_BUCKET_REGION": "eu-west-1", "ACCESS_KEY_AWS": "AKID", "SECRET_KEY_AWS": "secret"]

    @Test func readsTheOriginalVariableNames() throws {
        let configuration = try S3Configuration.fromEnvironment(Self.base)
        #expect(configuration.bucket == "chat-files")
        #expect(configuration.region == "eu-west-1")
        #expect(configuration.accessKeyID == "AKID")
        #expect(configuration.secretAccessKey == "secret")
        #expect(configuration.endpoint == nil)
        #expect(configuration.usePathStyle == false)
        #expect(configuration.partSize == 8 * 1024 * 1024)
    }

    @Test func anEndpointDefaultsToPathStyle() throws {
        var environment = Self.base
        environment["CHATBLIZZ_S3_ENDPOINT"] = "http://127.0.0.1:9000"
        #expect(try S3Configuration.fromEnvironment(environment).usePathStyle)
        environment["CHATBLIZZ_S3_PATH_STYLE"] = "false"
        environment["CHATBLIZZ_S3_PART_SIZE_MB"] = "16"
        let configuration = try S3Configuration.fromEnvironment(environment)
        #expect(configuration.usePathStyle == false)
        #expect(configuration.partSize == 16 * 1024 * 1024)
    }

    @Test(
        arguments: [
            ("AWS_BUCKET_NAME", nil), ("AWS_BUCKET_NAME", "Bad_Bucket"), ("AWS_BUCKET_REGION", nil), ("ACCESS_KEY_AWS", ""),
            ("SECRET_KEY_AWS", nil), ("CHATBLIZZ_S3_ENDPOINT", "ftp://x"), ("CHATBLIZZ_S3_PATH_STYLE", "maybe"), ("CHATBLIZZ_S3_PART_SIZE_MB", "4"),
        ] as [(String, String?)]
    )
    func aBadVariableIsNamed(_ name: String, _ value: String?) {
        var environment = Self.base
        environment[name] = value
        #expect {
            try S3Configuration.fromEnvironment(environment)
        } throws: { error in
            (error as? ChatError)?.field == name && (error as? ChatError)?.code == .validationFailed
        }
    }

    @Test func virtualHostedAndPathStyleURLsAreSigned() throws {
        let aws = S3BlobStore(
            configuration: S3Configuration(bucket: "chat-files", region: "eu-west-1", accessKeyID: "AKID", secretAccessKey: "secret")
        )
        let date = Date(timeIntervalSince1970: 1_369_353_600)
        let virtual = try #require(try aws.presignedURL(key: "files/abc", expiresIn: .seconds(300), fileName: nil, contentType: nil, at: date))
        #expect(virtual.absoluteString.hasPrefix("https://chat-files.s3.eu-west-1.amazonaws.com/files/abc?X-Amz-Algorithm=AWS4-HMAC-SHA256"))
        #expect(virtual.absoluteString.contains("X-Amz-Credential=AKID%2F20130524%2Feu-west-1%2Fs3%2Faws4_request"))

        let minio = S3BlobStore(
            configuration: S3Configuration(
                bucket: "chat-files",
                region: "us-east-1",
                accessKeyID: "AKID",
                secretAccessKey: "secret",
                endpoint: URL(string: "http://127.0.0.1:9000"),
                usePathStyle: true
            )
        )
        let path = try #require(
            try minio.presignedURL(key: "files/abc", expiresIn: .seconds(9_999_999), fileName: "a\"b.pdf", contentType: nil, at: date)
        )
        #expect(path.absoluteString.hasPrefix("http://127.0.0.1:9000/chat-files/files/abc?"))
        #expect(path.absoluteString.contains("X-Amz-Expires=604800"))
        #expect(path.absoluteString.contains("response-content-disposition=attachment%3B%20filename%3D%22a_b.pdf%22"))
    }

    @Test func theBackendIsChosenFromTheEnvironment() throws {
        guard case .local(let root, let sync) = try BlobStoreBackend.fromEnvironment([:]) else {
            Issue.record("expected the local store by default")
            return
        }
        #expect(root == "./data/files" && sync == true)
        guard case .local(_, false) = try BlobStoreBackend.fromEnvironment(["CHATBLIZZ_FILES_FSYNC": "false"]) else {
            Issue.record("expected CHATBLIZZ_FILES_FSYNC=false to turn flushing off")
            return
        }
        guard case .s3(let configuration) = try BlobStoreBackend.fromEnvironment(Self.base) else {
            Issue.record("expected S3 when AWS_BUCKET_NAME is set")
            return
        }
        #expect(configuration.bucket == "chat-files")
        var local = Self.base
        local["CHATBLIZZ_BLOB_STORE"] = "local"
        local["CHATBLIZZ_FILES_DIR"] = "/srv/files"
        local["CHATBLIZZ_FILES_FSYNC"] = "true"
        guard case .local("/srv/files", true) = try BlobStoreBackend.fromEnvironment(local) else {
            Issue.record("expected the configured local store")
            return
        }
        #expect(BlobStoreBackend.local(root: "/srv/files", syncToDisk: false).makeStore() is LocalBlobStore)
        #expect {
            try BlobStoreBackend.fromEnvironment(["CHATBLIZZ_BLOB_STORE": "ftp"])
        } throws: { error in
            (error as? ChatError)?.field == "CHATBLIZZ_BLOB_STORE"
        }
    }
}
