import ChatCore
import Hummingbird

/// Receives the files of a `multipart/form-data` request into the blob store while the body streams in: every part
/// named `files` is one file, staged as it arrives; other parts are small text fields. All or nothing: when anything
/// fails, every file this request stored is removed before the error is thrown.
struct FileUpload {
    /// Form text fields kept, at most this many bytes each.
    static let maxFieldBytes = 1024

    let files: FileService

    /// The staged files and the text fields of `request`, uploaded by `uploader`.
    func receive(_ request: Request, uploader: UserID) async throws -> (files: [StagedFile], fields: [String: String]) {
        let limits = files.limits
        let boundary = try MultipartBoundary.parse(contentType: request.headers[.contentType])
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > limits.maxRequestBytes {
            throw ChatError(.payloadTooLarge, "an upload request may be at most \(limits.maxRequestBytes) bytes")
        }
        let quota = try await files.remainingQuota(for: uploader)
        guard quota > 0 else { throw ChatError(.payloadTooLarge, "the daily upload quota of \(limits.maxBytesPerUserPerDay) bytes is used up") }
        let reader = MultipartReader(body: request.body, boundary: boundary, maxBytes: limits.maxRequestBytes)
        var staged: [StagedFile] = []
        var fields: [String: String] = [:]
        var parts = 0
        var stored: Int64 = 0
        do {
            while let part = try await reader.nextPart() {
                parts += 1
                guard parts <= limits.maxPartsPerRequest else {
                    throw ChatError(.payloadTooLarge, "an upload may have at most \(limits.maxPartsPerRequest) parts")
                }
                guard part.name == "files" else {
                    let text = try await reader.partText(maxBytes: Self.maxFieldBytes)
                    if let name = part.name, fields[name] == nil { fields[name] = text }
                    continue
                }
                guard staged.count < limits.maxFilesPerRequest else {
                    throw ChatError(.payloadTooLarge, "an upload may have at most \(limits.maxFilesPerRequest) files")
                }
                let left = (request: limits.maxRequestBytes - reader.bytesRead, quota: quota - stored)
                let (maxBytes, message) =
                    if left.quota < min(limits.maxFileBytes, left.request) {
                        (left.quota, "the daily upload quota of \(limits.maxBytesPerUserPerDay) bytes would be exceeded")
                    } else if left.request < limits.maxFileBytes {
                        (left.request, "an upload request may be at most \(limits.maxRequestBytes) bytes")
                    } else {
                        (limits.maxFileBytes, "a file may be at most \(limits.maxFileBytes) bytes")
                    }
                let file = try await files.stage(
                    body: reader.partBody(),
                    fileName: part.fileName ?? "",
                    maxBytes: max(0, maxBytes),
                    limitMessage: message
                )
                staged.append(file)
                stored += file.info.size
            }
            try reader.finish()
        } catch {
            await files.discard(staged)
            throw error
        }
        return (staged, fields)
    }
}
