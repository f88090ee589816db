import ChatBlobStore
import Foundation
import Testing

/// The examples of AWS's "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk"
/// and "Authenticating Requests: Using Query Parameters" documents, reproduced exactly.
struct S3SignerTests {
    static let signer = S3Signer(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region: "us-east-1"
    )
    static let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    static let host = "examplebucket.s3.amazonaws.com"
    static let empty = S3Signer.emptyPayloadSHA256

    static func headers(_ payloadHash: String, _ extra: [(name: String, value: String)] = []) -> [(name: String, value: String)] {
        [("Host", host), ("x-amz-date", "20130524T000000Z"), ("x-amz-content-sha256", payloadHash)] + extra
    }

    @Test func timestampOfTheExampleDate() {
        #expect(S3Signer.timestamp(Self.date) == ("20130524", "20130524T000000Z"))
        #expect(S3Signer.timestamp(Date(timeIntervalSince1970: 951_868_799)) == ("20000229", "20000229T235959Z"))
        #expect(S3Signer.timestamp(Date(timeIntervalSince1970: 0)) == ("19700101", "19700101T000000Z"))
    }

    @Test func getObject() {
        let request = S3Signer.Request(
            method: "GET",
            path: "/test.txt",
            headers: Self.headers(Self.empty, [("Range", "bytes=0-9")]),
            payloadHash: Self.empty
        )
        #expect(
            Self.signer.canonicalRequest(request) == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """
        )
        #expect(
            Self.signer.stringToSign(canonicalRequest: Self.signer.canonicalRequest(request), timestamp: S3Signer.timestamp(Self.date)) == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
                """
        )
        #expect(
            Self.signer.authorization(for: request, at: Self.date)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test func putObject() {
        let payload = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"  // "Welcome to Amazon S3."
        let request = S3Signer.Request(
            method: "PUT",
            path: "/test$file.text",
            headers: Self.headers(payload, [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")]),
            payloadHash: payload
        )
        #expect(Self.signer.canonicalRequest(request).hasPrefix("PUT\n/test%24file.text\n\n"))
        #expect(
            Self.signer.stringToSign(canonicalRequest: Self.signer.canonicalRequest(request), timestamp: S3Signer.timestamp(Self.date))
                .hasSuffix("\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d")
        )
        #expect(
            Self.signer.authorization(for: request, at: Self.date)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
                + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
        )
    }

    @Test func getBucketLifecycle() {
        let request = S3Signer.Request(
            method: "GET",
            path: "/",
            query: [("lifecycle", "")],
            headers: Self.headers(Self.empty),
            payloadHash: Self.empty
        )
        #expect(Self.signer.canonicalRequest(request).hasPrefix("GET\n/\nlifecycle=\n"))
        #expect(
            Self.signer.stringToSign(canonicalRequest: Self.signer.canonicalRequest(request), timestamp: S3Signer.timestamp(Self.date))
                .hasSuffix("\n9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca")
        )
        #expect(
            Self.signer.authorization(for: request, at: Self.date).hasSuffix(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
            )
        )
    }

    @Test func getBucketListObjects() {
        // Given out of order: the canonical query sorts by name.
        let request = S3Signer.Request(
            method: "GET",
            path: "/",
            query: [("prefix", "J"), ("max-keys", "2")],
            headers: Self.headers(Self.empty),
            payloadHash: Self.empty
        )
        #expect(Self.signer.canonicalRequest(request).hasPrefix("GET\n/\nmax-keys=2&prefix=J\n"))
        #expect(
            Self.signer.authorization(for: request, at: Self.date).hasSuffix(
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
            )
        )
    }

    @Test func presignedGetObject() {
        let url = Self.signer.presignedURL(scheme: "https", host: Self.host, path: "/test.txt", expiresIn: 86_400, at: Self.date)
        #expect(
            url?.absoluteString == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
                + "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        )
        let canonical = S3Signer.Request(
            method: "GET",
            path: "/test.txt",
            query: [
                ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"),
                ("X-Amz-Date", "20130524T000000Z"), ("X-Amz-Expires", "86400"), ("X-Amz-SignedHeaders", "host"),
            ],
            headers: [("host", Self.host)],
            payloadHash: S3Signer.unsignedPayload
        )
        #expect(
            Self.signer.stringToSign(canonicalRequest: Self.signer.canonicalRequest(canonical), timestamp: S3Signer.timestamp(Self.date))
                .hasSuffix("\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04")
        )
    }

    @Test func uriEncodingKeepsOnlyUnreservedCharacters() {
        #expect(S3Signer.encode("a-b_c.d~e/f", keepSlash: true) == "a-b_c.d~e/f")
        #expect(S3Signer.encode("a/b c+d*e", keepSlash: false) == "a%2Fb%20c%2Bd%2Ae")
        #expect(S3Signer.encode("é", keepSlash: false) == "%C3%A9")
        #expect(S3Signer.canonicalQuery([("b", "2"), ("a", "x y"), ("uploads", "")]) == "a=x%20y&b=2&uploads=")
    }
}
