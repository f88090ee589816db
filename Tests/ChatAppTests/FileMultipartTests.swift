import ChatCore
import Testing

@testable import ChatApp

/// The pieces of the upload and download routes that need no server.
@Suite("Multipart boundaries, header parameters and ranges")
struct FileMultipartTests {
    @Test func boundariesAreCheckedBeforeTheParserSeesThem() throws {
        #expect(try MultipartBoundary.parse(contentType: "multipart/form-data; boundary=abc123") == "abc123")
        #expect(try MultipartBoundary.parse(contentType: "Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b'c\"") == "a b'c")
        let refused = [
            nil, "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
            "multipart/form-data; boundary=\(String(repeating: "x", count: 71))", "multipart/form-data; boundary=\"trailing \"",
            "multipart/form-data; boundary=semi\u{0}colon", "multipart/mixed; boundary=abc", "application/json",
        ]
        for contentType in refused {
            #expect(throws: ChatError.self, "\(contentType ?? "nil")") { try MultipartBoundary.parse(contentType: contentType) }
        }
    }

    @Test func contentDispositionParameters() {
        let plain = HeaderParameters.parse("; name=\"files\"; filename=\"a \\\"quoted\\\" name.png\"")
        #expect(plain["name"] == "files" && plain["filename"] == "a \"quoted\" name.png")
        let extended = HeaderParameters.parse("; name=files; filename=\"fallback.txt\"; filename*=UTF-8''na%C3%AFve%20caf%C3%A9.txt")
        #expect(extended["filename*"] == "naïve café.txt" && extended["filename"] == "fallback.txt")
        #expect(HeaderParameters.parse("; filename*=latin1''x.txt")["filename*"] == nil, "only UTF-8 is accepted")
        #expect(HeaderParameters.parse("; name=a; name=b")["name"] == "a", "the first of a repeated parameter wins")
    }

    @Test func singleByteRanges() {
        #expect(FileDownload.parseRange("bytes=0-9", size: 100) == .bytes(0..<10))
        #expect(FileDownload.parseRange("bytes=90-200", size: 100) == .bytes(90..<100))
        #expect(FileDownload.parseRange("bytes=50-", size: 100) == .bytes(50..<100))
        #expect(FileDownload.parseRange("bytes=-30", size: 100) == .bytes(70..<100))
        #expect(FileDownload.parseRange("bytes=-300", size: 100) == .bytes(0..<100))
        #expect(FileDownload.parseRange("bytes=100-", size: 100) == .unsatisfiable)
        #expect(FileDownload.parseRange("bytes=-0", size: 100) == .unsatisfiable)
        #expect(FileDownload.parseRange("bytes=0-1,5-6", size: 100) == .none, "several ranges: the whole file")
        #expect(FileDownload.parseRange("bytes=9-1", size: 100) == .none)
        #expect(FileDownload.parseRange("items=0-1", size: 100) == .none)
        #expect(FileDownload.parseRange("bytes=a-b", size: 100) == .none)
        #expect(FileDownload.parseRange("bytes=99999999999999999999-", size: 100) == .none)
    }

    @Test func contentDispositionKeepsUTF8AndAnASCIIFallback() {
        #expect(FileDownload.contentDisposition("report.pdf") == "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf")
        #expect(
            FileDownload.contentDisposition("ünï \"q\".png")
                == "attachment; filename=\"_n_ _q_.png\"; filename*=UTF-8''%C3%BCn%C3%AF%20%22q%22.png"
        )
    }
}
