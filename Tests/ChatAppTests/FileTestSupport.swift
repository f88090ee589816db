import ChatApp
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// A `multipart/form-data` body built in memory (small test bodies only).
struct MultipartBody {
    let boundary: String
    private(set) var bytes: [UInt8] = []

    init(boundary: String = "chatblizz-\(UUID().uuidString)") { self.boundary = boundary }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    mutating func file(_ fileName: String, _ data: [UInt8], field: String = "files", contentType: String = "application/octet-stream") {
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(fileName)\"\r\n".utf8)
        bytes += Array("Content-Type: \(contentType)\r\n\r\n".utf8) + data + Array("\r\n".utf8)
    }

    mutating func field(_ name: String, _ value: String) {
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    /// The body with its closing boundary.
    var closed: [UInt8] { bytes + Array("--\(boundary)--\r\n".utf8) }
}

enum FileSamples {
    /// A PNG of `width` × `height` (a valid signature and IHDR), padded with deterministic bytes.
    static func png(width: UInt32 = 4, height: UInt32 = 3, padding: Int = 1000) -> [UInt8] {
        func be32(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((value >> UInt32($0)) & 0xFF) } }
        let head: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8) + be32(width) + be32(height)
        return head + (0..<padding).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    }

    static let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3E, 0] + [UInt8](repeating: 0x90, count: 500)

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
}

/// A response with raw bytes.
struct RawResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: [UInt8]
    var json: TestJSON { (try? JSONDecoder().decode(TestJSON.self, from: Data(body))) ?? .null }
    var text: String { String(decoding: body, as: UTF8.self) }

    var api: APIResponse { APIResponse(status: status, json: json, text: text, headers: headers) }
}

extension TestServer {
    /// Sends raw bytes.
    func raw(
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String?,
        body: [UInt8]? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> RawResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) }) { response in
            RawResponse(status: response.status, headers: response.headers, body: Array(buffer: response.body))
        }
    }

    /// Uploads a multipart body to `path`.
    func upload(_ path: String, token: String, _ body: MultipartBody, closed: Bool = true) async throws -> RawResponse {
        try await raw(.post, path, token: token, body: closed ? body.closed : body.bytes, headers: [.contentType: body.contentType])
    }

    /// Uploads a multipart body to `path` on a connection of its own, so that several uploads can run at once (the
    /// server's test client sends one request at a time).
    func uploadOnOwnConnection(_ path: String, token: String, _ body: MultipartBody) async throws -> HTTPResponse.Status {
        guard let port = client.port else { throw TestServerError.notLive }
        let own = TestClient(host: "127.0.0.1", port: port)
        own.connect()
        let request = TestClient.Request(
            path,
            method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: body.contentType],
            body: ByteBuffer(bytes: body.closed)
        )
        do {
            let response = try await own.execute(request)
            try await own.shutdown()
            return response.head.status
        } catch {
            try? await own.shutdown()
            throw error
        }
    }
}

/// Regular files under `directory`, recursively (0 when it does not exist).
func storedFileCount(_ directory: String) -> Int {
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return 0 }
    var count = 0
    while let path = enumerator.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "\(directory)/\(path)", isDirectory: &isDirectory), !isDirectory.boolValue { count += 1 }
    }
    return count
}
