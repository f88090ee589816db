import Crypto
import Foundation

/// AWS Signature Version 4 for S3, written from the "Signature Calculations for the Authorization Header" and
/// "Authenticating Requests: Using Query Parameters" documents: canonical request, string to sign, the derived signing
/// key (`AWS4` + secret → date → region → service → `aws4_request`), and the hex HMAC-SHA256 of the string to sign.
/// Pure values in and out, so the documented examples are unit tests.
public struct S3Signer: Sendable {
    /// The payload hash for bodies that are not hashed (presigned URLs).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The SHA-256 of no bytes.
    public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public var accessKeyID: String
    public var secretAccessKey: String
    public var region: String
    public var service: String

    public init(accessKeyID: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// A request to sign. `path` is the unencoded absolute path (`/bucket/key` or `/key`); `headers` must include
    /// `host` and every other header that is sent and should be signed.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [(name: String, value: String)]
        public var headers: [(name: String, value: String)]
        public var payloadHash: String

        public init(
            method: String,
            path: String,
            query: [(name: String, value: String)] = [],
            headers: [(name: String, value: String)],
            payloadHash: String
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// The `Authorization` header value for `request` signed at `date`. The request's headers must already contain
    /// `x-amz-date` (`S3Signer.timestamp(date)`) and, for S3, `x-amz-content-sha256`.
    public func authorization(for request: Request, at date: Date) -> String {
        let stamp = Self.timestamp(date)
        let signedHeaders = Self.signedHeaderNames(request.headers)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonicalRequest(request), timestamp: stamp), day: stamp.day)
        return "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope(day: stamp.day)),SignedHeaders=\(signedHeaders),Signature=\(signature)"
    }

    /// A presigned URL (query-string authentication, `host` the only signed header, `UNSIGNED-PAYLOAD`).
    /// `extraQuery` (e.g. `response-content-disposition`) is signed too.
    public func presignedURL(
        method: String = "GET",
        scheme: String,
        host: String,
        path: String,
        extraQuery: [(name: String, value: String)] = [],
        expiresIn seconds: Int,
        at date: Date
    ) -> URL? {
        let stamp = Self.timestamp(date)
        var query = extraQuery
        query += [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(accessKeyID)/\(scope(day: stamp.day))"),
            ("X-Amz-Date", stamp.dateTime),
            ("X-Amz-Expires", String(seconds)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        let request = Request(method: method, path: path, query: query, headers: [("host", host)], payloadHash: Self.unsignedPayload)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonicalRequest(request), timestamp: stamp), day: stamp.day)
        let queryString = Self.canonicalQuery(query) + "&X-Amz-Signature=" + signature
        return URL(string: "\(scheme)://\(host)\(Self.encode(path, keepSlash: true))?\(queryString)")
    }

    /// The canonical request: method, URI, query, headers, signed header names and payload hash, one per line.
    public func canonicalRequest(_ request: Request) -> String {
        let headers = Self.canonicalHeaders(request.headers)
        return [
            request.method,
            Self.encode(request.path.isEmpty ? "/" : request.path, keepSlash: true),
            Self.canonicalQuery(request.query),
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            Self.signedHeaderNames(request.headers),
            request.payloadHash,
        ].joined(separator: "\n")
    }

    /// `AWS4-HMAC-SHA256`, the timestamp, the scope and the hex SHA-256 of the canonical request.
    public func stringToSign(canonicalRequest: String, timestamp: (day: String, dateTime: String)) -> String {
        let hash = Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8)))
        return ["AWS4-HMAC-SHA256", timestamp.dateTime, scope(day: timestamp.day), hash].joined(separator: "\n")
    }

    /// The hex signature of `stringToSign` with the key derived for `day` (`yyyyMMdd`).
    public func signature(stringToSign: String, day: String) -> String {
        var key = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    private func scope(day: String) -> String { "\(day)/\(region)/\(service)/aws4_request" }

    // MARK: Encoding

    /// The `yyyyMMdd` day and `yyyyMMdd'T'HHmmss'Z'` timestamp of `date` in UTC.
    public static func timestamp(_ date: Date) -> (day: String, dateTime: String) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let dayString = pad(year, 4) + pad(month, 2) + pad(day, 2)
        let time = pad(secondOfDay / 3600, 2) + pad(secondOfDay % 3600 / 60, 2) + pad(secondOfDay % 60, 2)
        return (dayString, "\(dayString)T\(time)Z")
    }

    /// URI-encodes per SigV4: every byte but `A-Z a-z 0-9 - _ . ~` as `%XX` (uppercase), `/` kept when `keepSlash`.
    public static func encode(_ text: String, keepSlash: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                result.append("/")
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                result += hex.count == 1 ? "%0\(hex)" : "%\(hex)"
            }
        }
        return result
    }

    /// Name-value pairs encoded, sorted by encoded name (then value) and joined with `&`; a bare name gets `=`.
    public static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (encode($0.name, keepSlash: false), encode($0.value, keepSlash: false)) }
        // Everything is ASCII once encoded, so String ordering is the byte ordering SigV4 asks for.
        let sorted = encoded.sorted { (left, right) -> Bool in left.name == right.name ? left.value < right.value : left.name < right.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    private static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var merged: [String: [String]] = [:]
        for header in headers {
            let value = header.value.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            merged[header.name.lowercased(), default: []].append(value)
        }
        return merged.map { ($0.key, $0.value.joined(separator: ",")) }.sorted { $0.name < $1.name }
    }

    private static func signedHeaderNames(_ headers: [(name: String, value: String)]) -> String {
        Set(headers.map { $0.name.lowercased() }).sorted().joined(separator: ";")
    }

    /// Lowercase hex of a digest or bytes.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
