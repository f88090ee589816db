import ChatCore
import Foundation
import HTTPTypes
import Hummingbird

/// File messages under `/api/v2`: upload into a conversation, download by id.
struct FileController {
    let dependencies: APIDependencies

    func register(on routes: RouteBuilder) {
        let deps = dependencies
        routes.on(.post, "conversations/{userId}/files") { request, context in
            let me = try context.requireUserID()
            let peer = try context.pathUserID()
            try await deps.files.checkCanSend(me, to: peer)
            let upload = try await FileUpload(files: deps.files).receive(request, uploader: me)
            guard !upload.files.isEmpty else {
                await deps.files.discard(upload.files)
                throw ChatError.invalidRequest("the upload has no part named files", field: "files")
            }
            let messages = try await deps.files.send(from: me, to: peer, upload.files)
            return JSONResponse.make(FileMessagesDTO(messages: messages.map(MessageDTO.init)), status: .created)
        }
        routes.on(.get, "files/{fileId}") { request, context in
            let me = try context.requireUserID()
            let record = try await deps.files.download(me, id: try FileDownload.fileID(context))
            return try await FileDownload.response(for: record, request: request, deps: deps)
        }
    }

    /// `GET /api/v1/files/{fileId}?expires=…&signature=…`: the signed links of v1 payloads, which need no token, so that
    /// the original frontend's `<img src>` and `<a href>` work. A missing, altered or expired signature is the same 404
    /// as an unknown file.
    static func registerSignedLinks(on router: Router<ChatRequestContext>, dependencies deps: APIDependencies) {
        router.get("api/v1/files/{fileId}") { request, context in
            let id = try FileDownload.fileID(context)
            let query = request.uri.queryParameters
            guard deps.fileLinks.isValid(fileID: id.rawValue, expires: query.get("expires"), signature: query.get("signature")) else {
                throw ChatError.notFound("file not found")
            }
            let record = try await deps.files.downloadByLink(id: id)
            return try await FileDownload.response(for: record, request: request, deps: deps)
        }
    }
}

/// A file streamed from the blob store, whole or one byte range.
enum FileDownload {
    /// The route's file id; a malformed one is the 404 of an unknown file.
    static func fileID(_ context: ChatRequestContext) throws -> FileID {
        guard let raw = context.parameters.get("fileId"), !raw.isEmpty, raw.utf8.count <= 64,
            raw.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 })
        else { throw ChatError.notFound("file not found") }
        return FileID(raw)
    }

    /// The download: a redirect to a presigned URL where the blob store makes them (S3), else the bytes.
    static func response(for record: FileRecord, request: Request, deps: APIDependencies) async throws -> Response {
        if let url = try await deps.files.signedURL(for: record, expiresIn: deps.fileURLExpiry) {
            var headers = HTTPFields()
            headers[.location] = url.absoluteString
            headers[.cacheControl] = "private, no-store"
            return Response(status: .found, headers: headers)
        }
        return try await Self.response(for: record, rangeHeader: request.headers[.range], files: deps.files)
    }

    static func response(for record: FileRecord, rangeHeader: String?, files: FileService) async throws -> Response {
        let file = record.attachment
        var headers = HTTPFields()
        headers[.contentType] = file.contentType
        headers[.contentDisposition] = contentDisposition(file.name)
        headers[.xContentTypeOptions] = "nosniff"
        headers[.acceptRanges] = "bytes"
        headers[.cacheControl] = "private, no-store"
        var status = HTTPResponse.Status.ok
        var range: BlobRange?
        var length = file.size
        if let rangeHeader {
            switch parseRange(rangeHeader, size: file.size) {
            case .none:
                break
            case .unsatisfiable:
                headers[.contentRange] = "bytes */\(file.size)"
                headers[.contentLength] = "0"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            case .bytes(let bytes):
                status = .partialContent
                range = BlobRange(offset: bytes.lowerBound, length: bytes.upperBound - bytes.lowerBound)
                length = bytes.upperBound - bytes.lowerBound
                headers[.contentRange] = "bytes \(bytes.lowerBound)-\(bytes.upperBound - 1)/\(file.size)"
            }
        }
        headers[.contentLength] = String(length)
        let body = try await files.bytes(of: record, range: range)
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody(contentLength: Int(length)) { writer in
                for try await chunk in body { try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            }
        )
    }

    enum RangeRequest: Equatable {
        /// No usable single range: serve the whole file.
        case none
        case unsatisfiable
        case bytes(Range<Int64>)
    }

    /// One `bytes=` range (`a-b`, `a-`, `-n`) of a file of `size` bytes. Several ranges or bad syntax are ignored, as
    /// RFC 9110 allows; a range starting past the end is unsatisfiable.
    static func parseRange(_ header: String, size: Int64) -> RangeRequest {
        let value = header.trimmingCharacters(in: .whitespaces)
        guard value.lowercased().hasPrefix("bytes="), !value.contains(",") else { return .none }
        let spec = value.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let pieces = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard pieces.count == 2 else { return .none }
        let first = pieces[0].trimmingCharacters(in: .whitespaces)
        let last = pieces[1].trimmingCharacters(in: .whitespaces)
        guard first.allSatisfy(\.isASCIIDigitCharacter), last.allSatisfy(\.isASCIIDigitCharacter), first.count <= 18, last.count <= 18 else {
            return .none
        }
        switch (Int64(first), Int64(last)) {
        case (let start?, let end?):
            guard start <= end else { return .none }
            guard start < size else { return .unsatisfiable }
            return .bytes(start..<min(end + 1, size))
        case (let start?, nil):
            guard start < size else { return .unsatisfiable }
            return .bytes(start..<size)
        case (nil, let suffix?):
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .bytes(max(0, size - suffix)..<size)
        case (nil, nil):
            return .none
        }
    }

    /// `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266 and 5987).
    static func contentDisposition(_ name: String) -> String {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~".utf8)
        let encoded = name.utf8.map { allowed.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
        return "attachment; filename=\"\(FileName.asciiFallback(name))\"; filename*=UTF-8''\(encoded)"
    }
}

extension HTTPField.Name {
    // A literal that is a valid field name, so the initializer cannot fail.
    fileprivate static let xContentTypeOptions = Self("X-Content-Type-Options") ?? .contentType
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
