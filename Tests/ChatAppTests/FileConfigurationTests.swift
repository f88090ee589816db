import ChatApp
import Foundation
import Testing

@Suite("File configuration")
struct FileConfigurationTests {
    @Test func defaultsKeepFilesLocal() throws {
        let files = try AppConfiguration(environment: [:]).files
        #expect(files.s3 == nil && files.directory == nil && files.syncToDisk)
        #expect(files.limits.maxFileBytes == 15 * 1024 * 1024)
        #expect(files.limits.maxFilesPerRequest == 10)
        #expect(files.limits.maxRequestBytes == 50 * 1024 * 1024)
        #expect(files.limits.maxBytesPerUserPerDay == 1024 * 1024 * 1024)
        #expect(files.downloadURLExpiry == .seconds(300))
    }

    @Test func everyKeyIsRead() throws {
        let files = try AppConfiguration(environment: [
            "CHATBLIZZ_MAX_FILE_BYTES": "1000", "CHATBLIZZ_MAX_FILES_PER_UPLOAD": "2", "CHATBLIZZ_MAX_UPLOAD_BYTES": "5000",
            "CHATBLIZZ_MAX_UPLOAD_PARTS": "7", "CHATBLIZZ_MAX_UPLOAD_BYTES_PER_DAY": "9000", "CHATBLIZZ_FILES_URL_TTL_S": "60",
            "CHATBLIZZ_FILES_DIR": "/srv/files", "CHATBLIZZ_FILES_FSYNC": "false",
        ]).files
        #expect(files.limits.maxFileBytes == 1000 && files.limits.maxFilesPerRequest == 2 && files.limits.maxRequestBytes == 5000)
        #expect(files.limits.maxPartsPerRequest == 7 && files.limits.maxBytesPerUserPerDay == 9000)
        #expect(files.downloadURLExpiry == .seconds(60) && files.directory == "/srv/files" && !files.syncToDisk)
    }

    @Test func aBucketSwitchesToS3WithTheOriginalNames() throws {
        let files = try AppConfiguration(environment: [
            "AWS_BUCKET_NAME": "chat-files", "AWS_BUCKET_REGION": "eu-west-1", "ACCESS_KEY_AWS": "AKIA", "SECRET_KEY_AWS": "secret",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        ]).files
        #expect(files.s3?.bucket == "chat-files" && files.s3?.region == "eu-west-1")
        #expect(files.s3?.endpoint == URL(string: "http://127.0.0.1:9000") && files.s3?.usePathStyle == true)
    }

    @Test(arguments: [
        ["CHATBLIZZ_MAX_FILE_BYTES": "0"], ["CHATBLIZZ_MAX_UPLOAD_PARTS": "many"], ["CHATBLIZZ_FILES_URL_TTL_S": "0"],
        ["CHATBLIZZ_BLOB_STORE": "tape"], ["AWS_BUCKET_NAME": "chat-files"], ["CHATBLIZZ_FILES_FSYNC": "maybe"],
    ])
    func badValuesNameTheirKey(_ environment: [String: String]) throws {
        do {
            _ = try AppConfiguration(environment: environment)
            Issue.record("\(environment) was accepted")
        } catch let error as ConfigurationError {
            let expected = environment["AWS_BUCKET_NAME"] != nil ? "AWS_BUCKET_REGION" : environment.keys.first ?? ""
            #expect(error.key == expected, "\(error)")
        }
    }
}
