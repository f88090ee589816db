import ChatAuth
import ChatCore
import Synchronization
import Testing

struct FileLinkSignerTests {
    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        let now = Mutex(Timestamp(milliseconds: 1_800_000_000_000))
        var clock: ChatClock { ChatClock { self.now.withLock { $0 } } }
        func advance(seconds: Int64) { self.now.withLock { $0 = $0.adding(milliseconds: seconds * 1000) } }
    }

    static func parts(_ query: String) -> (expires: String?, signature: String?) {
        var values: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let halves = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if halves.count == 2 { values[halves[0]] = halves[1] }
        }
        return (values["expires"], values["signature"])
    }

    @Test func aLinkIsValidForItsFileUntilItExpires() throws {
        let time = ManualClock()
        let signer = FileLinkSigner(secret: try SigningSecret(bytes: [UInt8](repeating: 7, count: 32)), lifetime: .seconds(3600), clock: time.clock)
        let (expires, signature) = Self.parts(signer.query(for: FileID("file-1")))
        #expect(expires == String(1_800_000_000 + 3600))
        #expect(signer.isValid(fileID: "file-1", expires: expires, signature: signature))
        #expect(!signer.isValid(fileID: "file-2", expires: expires, signature: signature), "another file")
        #expect(!signer.isValid(fileID: "file-1", expires: expires.map { String((Int64($0) ?? 0) + 1) }, signature: signature), "a later expiry")
        #expect(!signer.isValid(fileID: "file-1", expires: expires, signature: nil))
        #expect(!signer.isValid(fileID: "file-1", expires: nil, signature: signature))
        #expect(!signer.isValid(fileID: "file-1", expires: "soon", signature: signature))
        #expect(!signer.isValid(fileID: "file-1", expires: expires, signature: "not base64url!"))
        #expect(!signer.isValid(fileID: "file-1", expires: expires, signature: String(repeating: "A", count: 500)))
        time.advance(seconds: 3599)
        #expect(signer.isValid(fileID: "file-1", expires: expires, signature: signature))
        time.advance(seconds: 1)
        #expect(!signer.isValid(fileID: "file-1", expires: expires, signature: signature), "expired")
    }

    @Test func onlyTheSameSecretAcceptsALink() throws {
        let time = ManualClock()
        let one = FileLinkSigner(secret: try SigningSecret(bytes: [UInt8](repeating: 7, count: 32)), lifetime: .seconds(60), clock: time.clock)
        let same = FileLinkSigner(secret: try SigningSecret(bytes: [UInt8](repeating: 7, count: 32)), lifetime: .seconds(60), clock: time.clock)
        let other = FileLinkSigner(secret: try SigningSecret(bytes: [UInt8](repeating: 8, count: 32)), lifetime: .seconds(60), clock: time.clock)
        let (expires, signature) = Self.parts(one.query(for: FileID("f")))
        #expect(same.isValid(fileID: "f", expires: expires, signature: signature), "another node with the same secret")
        #expect(!other.isValid(fileID: "f", expires: expires, signature: signature))
    }

    @Test func aLinkFromTooFarInTheFutureIsRefused() throws {
        let time = ManualClock()
        let long = FileLinkSigner(secret: try SigningSecret(bytes: [UInt8](repeating: 7, count: 32)), lifetime: .seconds(86_400), clock: time.clock)
        let short = FileLinkSigner(secret: try SigningSecret(bytes: [UInt8](repeating: 7, count: 32)), lifetime: .seconds(60), clock: time.clock)
        let (expires, signature) = Self.parts(long.query(for: FileID("f")))
        #expect(long.isValid(fileID: "f", expires: expires, signature: signature))
        #expect(!short.isValid(fileID: "f", expires: expires, signature: signature), "beyond the lifetime configured now")
    }
}
