import ChatCore
import Hummingbird
import MultipartKit
import NIOCore

/// The boundary of a `multipart/form-data` request, checked before the parser sees it (the parser traps on an empty
/// boundary): 1 to 70 characters of RFC 2046's `bchars`, not ending in a space.
enum MultipartBoundary {
    static func parse(contentType: String?) throws -> String {
        guard let contentType, let mediaType = contentType.split(separator: ";").first,
            mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "multipart/form-data"
        else {
            throw ChatError.invalidRequest("the body must be multipart/form-data", field: "Content-Type")
        }
        let parameters = HeaderParameters.parse(String(contentType.dropFirst(mediaType.count)))
        guard let boundary = parameters["boundary"], (1...70).contains(boundary.utf8.count), !boundary.hasSuffix(" "),
            boundary.utf8.allSatisfy(isBoundaryCharacter)
        else {
            throw ChatError.invalidRequest("multipart/form-data needs a boundary of 1 to 70 valid characters", field: "Content-Type")
        }
        return boundary
    }

    private static func isBoundaryCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "'()+_,-./:=? ".utf8.contains(byte)
        }
    }
}

/// `; name=value; name="quoted \"value\""` parameters of a header (names lowercased), as in `Content-Type` and
/// `Content-Disposition`. `filename*` (RFC 5987, `UTF-8''percent-encoded`) is decoded into `filename*`.
enum HeaderParameters {
    static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var scalars = Substring(text).unicodeScalars[...]
        while !scalars.isEmpty {
            scalars = scalars.drop { $0 == ";" || $0 == " " || $0 == "\t" }
            let name = String(String.UnicodeScalarView(scalars.prefix { $0 != "=" && $0 != ";" })).trimmingCharacters(in: .whitespaces)
            scalars = scalars.dropFirst(scalars.prefix { $0 != "=" && $0 != ";" }.count)
            guard scalars.first == "=" else { continue }
            scalars = scalars.dropFirst()
            var value = String.UnicodeScalarView()
            let quoted = scalars.first == "\""
            if quoted {
                scalars = scalars.dropFirst()
                var escaped = false
                while let scalar = scalars.first {
                    scalars = scalars.dropFirst()
                    if escaped {
                        value.append(scalar)
                        escaped = false
                    } else if scalar == "\\" {
                        escaped = true
                    } else if scalar == "\"" {
                        break
                    } else {
                        value.append(scalar)
                    }
                }
            } else {
                let raw = scalars.prefix { $0 != ";" }
                value.append(contentsOf: raw)
                scalars = scalars.dropFirst(raw.count)
            }
            let key = name.lowercased()
            guard !key.isEmpty, result[key] == nil else { continue }
            let text = quoted ? String(value) : String(value).trimmingCharacters(in: .whitespaces)
            result[key] = key.hasSuffix("*") ? decodeExtended(text) : text
        }
        return result
    }

    /// RFC 5987 `charset'language'percent-encoded`; only UTF-8 (and ASCII) are accepted.
    private static func decodeExtended(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, ["utf-8", "us-ascii"].contains(pieces[0].lowercased()) else { return nil }
        return String(pieces[2]).removingPercentEncoding
    }
}

/// The head of one part of a multipart body.
struct MultipartPartHead: Sendable {
    /// The form field's name (`Content-Disposition: form-data; name=…`).
    var name: String?
    /// The file name the client gave, `filename*` preferred over `filename`.
    var fileName: String?
}

/// Pulls the parts of a `multipart/form-data` request body one at a time while the body streams in, so a part's bytes
/// go straight to their destination and the body is never collected. Limits: total body bytes (`.payloadTooLarge`),
/// and input that produces no parser event for `maxSilentBytes` (header or preamble floods: `.invalidRequest`).
///
/// The reader is driven by one task at a time: the request handler, and the blob store reading a part's body in turn.
/// That sequential use is what makes the unchecked `Sendable` sound; the body sequence handed to a store must be
/// consumed before `nextPart()` is called again.
final class MultipartReader: @unchecked Sendable {
    private enum Event {
        case header(String, String)
        case body([UInt8])
        case partEnd
    }

    /// Receives the push parser's callbacks. The parser cuts a body at every CR byte, so consecutive pieces are gathered
    /// into one event (one allocation per network read, not one per CR).
    private final class Sink {
        var events: [Event] = []
        var body: [UInt8] = []

        func append(_ event: Event) {
            flush()
            events.append(event)
        }

        func appendBody(_ buffer: ByteBuffer) {
            if body.isEmpty { body.reserveCapacity(max(buffer.readableBytes, 64 * 1024)) }
            body.append(contentsOf: buffer.readableBytesView)
        }

        func flush() {
            guard !body.isEmpty else { return }
            events.append(.body(body))
            body = []
        }
    }

    static let maxSilentBytes = 64 * 1024
    static let maxHeaderBytes = 8 * 1024

    private let boundary: String
    private let parser: MultipartParser
    private let sink = Sink()
    private var next = 0
    private var source: RequestBody.AsyncIterator
    private var sourceEnded = false
    private let maxBytes: Int64
    private(set) var bytesRead: Int64 = 0
    private var silentBytes = 0
    private var inPart = false

    init(body: RequestBody, boundary: String, maxBytes: Int64) {
        self.boundary = boundary
        self.parser = MultipartParser(boundary: boundary)
        self.source = body.makeAsyncIterator()
        self.maxBytes = maxBytes
        let sink = self.sink
        parser.onHeader = { name, value in sink.append(.header(name, value)) }
        parser.onBody = { buffer in sink.appendBody(buffer) }
        parser.onPartComplete = { sink.append(.partEnd) }
    }

    /// The next part's head, or nil after the last part. Skips what is left of the current part's body.
    func nextPart() async throws -> MultipartPartHead? {
        while inPart { _ = try await nextBodyChunk() }
        var headers: [(String, String)] = []
        var headerBytes = 0
        while true {
            guard let event = try await peek() else {
                guard headers.isEmpty else { throw Self.truncated }
                return nil
            }
            guard case .header(let name, let value) = event else { break }
            next += 1
            headerBytes += name.utf8.count + value.utf8.count
            guard headerBytes <= Self.maxHeaderBytes else { throw ChatError.invalidRequest("a multipart part's headers are too long") }
            headers.append((name, value))
        }
        inPart = true
        var head = MultipartPartHead()
        if let disposition = headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1 {
            let parameters = HeaderParameters.parse(String(disposition.drop { $0 != ";" }))
            head.name = parameters["name"]
            head.fileName = parameters["filename*"] ?? parameters["filename"]
        }
        return head
    }

    /// The next bytes of the current part's body (consecutive pieces merged), or nil at its end.
    func nextBodyChunk() async throws -> [UInt8]? {
        guard inPart else { return nil }
        guard let event = try await peek() else { throw Self.truncated }
        switch event {
        case .partEnd:
            next += 1
            inPart = false
            return nil
        case .header:
            throw ChatError.invalidRequest("malformed multipart body")
        case .body(let bytes):
            next += 1
            return bytes
        }
    }

    /// The current part's body as a blob body.
    func partBody() -> BlobBody { BlobBody(PartChunks(reader: self)) }

    /// Reads the current part's body as text, refusing more than `maxBytes`.
    func partText(maxBytes: Int) async throws -> String {
        var bytes: [UInt8] = []
        while let chunk = try await nextBodyChunk() {
            bytes += chunk
            guard bytes.count <= maxBytes else { throw ChatError.invalidRequest("a form field is longer than \(maxBytes) bytes") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Checks, once `nextPart()` returned nil, that the body ended with the closing boundary: a probe that would close
    /// any open part produces parser events (or fails) unless the parser already reached the epilogue.
    func finish() throws {
        let before = sink.events.count
        do {
            try parser.execute(ByteBuffer(string: "\r\n--\(boundary)--"))
            sink.flush()
        } catch {
            throw Self.truncated
        }
        guard sink.events.count == before else { throw Self.truncated }
    }

    private func peek() async throws -> Event? {
        while next >= sink.events.count {
            sink.events.removeAll(keepingCapacity: true)
            next = 0
            guard !sourceEnded, let buffer = try await source.next() else {
                sourceEnded = true
                return nil
            }
            bytesRead += Int64(buffer.readableBytes)
            guard bytesRead <= maxBytes else { throw ChatError(.payloadTooLarge, "the request body is larger than \(maxBytes) bytes") }
            do {
                try parser.execute(buffer)
                sink.flush()
            } catch {
                throw ChatError.invalidRequest("malformed multipart body")
            }
            silentBytes = sink.events.isEmpty ? silentBytes + buffer.readableBytes : 0
            guard silentBytes <= Self.maxSilentBytes else { throw ChatError.invalidRequest("malformed multipart body") }
        }
        return sink.events[next]
    }

    static var truncated: ChatError { ChatError.invalidRequest("the multipart body ended before its closing boundary") }

    /// A part's body, pulled from the reader.
    private struct PartChunks: AsyncSequence, Sendable {
        typealias Element = [UInt8]
        let reader: MultipartReader

        func makeAsyncIterator() -> Iterator { Iterator(reader: reader) }

        struct Iterator: AsyncIteratorProtocol {
            let reader: MultipartReader
            mutating func next() async throws -> [UInt8]? { try await reader.nextBodyChunk() }
        }
    }
}
