import Foundation
import Testing

@testable import ChatAuth

struct SigningKeyProviderTests {
    private func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "chatauth-tests-" + UUID().uuidString
    }

    @Test func generatesPersistsAndRereadsSecret() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/nested/jwt-secret"
        let provider = SigningKeyProvider(environment: [:], secretFilePath: path)

        let first = try provider.loadSecret()
        #expect(first.origin == .generated(path: path))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Data(base64Encoded: text)?.count == 32)

        let second = try provider.loadSecret()
        #expect(second.origin == .file(path: path))
        #expect(try secretsMatch(first, second))
    }

    @Test func configuredSecretWinsInHexAndBase64() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bytes = (0..<32).map { UInt8($0 * 7 % 256) }
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let base64 = Data(bytes).base64EncodedString()
        let base64URL = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=",
            with: ""
        )
        var secrets = [SigningSecret]()
        for text in [hex, hex.uppercased(), " \(base64)\n", base64URL, "hex:\(hex)", "base64:\(base64)"] {
            let provider = SigningKeyProvider(environment: [SigningKeyProvider.configurationKey: text], secretFilePath: directory + "/s")
            let secret = try provider.loadSecret()
            #expect(secret.origin == .configuration)
            secrets.append(secret)
        }
        for secret in secrets.dropFirst() { #expect(try secretsMatch(secrets[0], secret)) }
        #expect(!FileManager.default.fileExists(atPath: directory + "/s"))
        #expect(!"\(secrets[0])".contains(hex))
    }

    @Test func badConfiguredSecretNamesTheKey() throws {
        for text in ["tooshort", "00112233", Data(repeating: 1, count: 31).base64EncodedString(), "hex:zz", "!!!not base64!!!"] {
            let provider = SigningKeyProvider(configuredSecret: text, secretFilePath: temporaryDirectory() + "/s")
            let error = #expect(throws: AuthConfigurationError.self) { _ = try provider.loadSecret() }
            #expect(error?.message.contains("CHATBLIZZ_JWT_SECRET") == true)
            #expect(error?.message.contains(text) == false)
        }
    }

    @Test func corruptSecretFileIsAnError() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/jwt-secret"
        try Data("c2hvcnQ=\n".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: AuthConfigurationError.self) {
            _ = try SigningKeyProvider(configuredSecret: "", secretFilePath: path).loadSecret()
        }
        #expect(error?.message.contains(path) == true)
    }

    private func secretsMatch(_ a: SigningSecret, _ b: SigningSecret) throws -> Bool { a.bytes == b.bytes }
}
