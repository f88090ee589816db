import AsyncHTTPClient
import ChatCore
import Crypto
import NIOCore
import NIOHTTP1

extension S3BlobStore {
    /// Streams `body` to S3. Bytes are counted, hashed and gathered into one part-sized buffer; a body that ends
    /// before the buffer is full is sent in one PUT, otherwise each full buffer becomes a part of a multipart upload.
    /// The limit is checked before anything is sent, so an over-limit body never starts an upload, and one that passes
    /// the limit mid-way has its multipart upload aborted.
    public func put(key: String, body: BlobBody, contentType: String?, maxBytes: Int64) async throws -> BlobInfo {
        try BlobKey.validate(key)
        let partSize = configuration.partSize
        var hasher = SHA256()
        var size: Int64 = 0
        var part: [UInt8] = []
        part.reserveCapacity(Int(min(Int64(partSize), max(0, maxBytes)) + 1))
        var upload: MultipartUpload?
        do {
            for try await chunk in body {
                try Task.checkCancellation()
                size += Int64(chunk.count)
                guard size <= maxBytes else { throw ChatError(.payloadTooLarge, "the file is larger than \(maxBytes) bytes") }
                hasher.update(data: chunk)
                part += chunk
                if part.count >= partSize {
                    if upload == nil { upload = try await createMultipartUpload(key: key, contentType: contentType) }
                    try await upload?.uploadPart(part, store: self)
                    part.removeAll(keepingCapacity: true)
                }
            }
            // A cancelled body may just end early (AsyncStream does): never publish it.
            try Task.checkCancellation()
            if var upload {
                if !part.isEmpty { try await upload.uploadPart(part, store: self) }
                try await completeMultipartUpload(upload)
            } else {
                try await putObject(key: key, bytes: part, contentType: contentType)
            }
        } catch {
            if let upload { await abortMultipartUpload(upload) }
            throw error
        }
        return BlobInfo(key: key, size: size, sha256: S3Signer.hex(hasher.finalize()))
    }

    /// An upload in progress: its id and the ETag of every part sent so far.
    struct MultipartUpload: Sendable {
        var key: String
        var uploadID: String
        var parts: [(number: Int, etag: String)] = []

        mutating func uploadPart(_ bytes: [UInt8], store: S3BlobStore) async throws {
            let number = parts.count + 1
            let response = try await store.send(
                .PUT,
                key: key,
                query: [("partNumber", String(number)), ("uploadId", uploadID)],
                body: ByteBuffer(bytes: bytes)
            )
            guard response.status == .ok, let etag = response.headers.first(name: "etag") else {
                throw await store.failure(response, "UploadPart \(number)", key: key)
            }
            _ = try? await response.body.collect(upTo: 64 * 1024)
            parts.append((number, etag))
        }
    }

    private func putObject(key: String, bytes: [UInt8], contentType: String?) async throws {
        let response = try await send(
            .PUT,
            key: key,
            headers: contentType.map { [("content-type", $0)] } ?? [],
            body: ByteBuffer(bytes: bytes)
        )
        guard response.status == .ok else { throw await failure(response, "PUT", key: key) }
        _ = try? await response.body.collect(upTo: 64 * 1024)
    }

    private func createMultipartUpload(key: String, contentType: String?) async throws -> MultipartUpload {
        let response = try await send(.POST, key: key, query: [("uploads", "")], headers: contentType.map { [("content-type", $0)] } ?? [])
        guard response.status == .ok else { throw await failure(response, "CreateMultipartUpload", key: key) }
        guard let uploadID = S3XML.value(of: "UploadId", in: try await Self.text(of: response)) else {
            throw ChatError(.unavailable, "S3 CreateMultipartUpload \(key) answered without an UploadId")
        }
        return MultipartUpload(key: key, uploadID: uploadID)
    }

    private func completeMultipartUpload(_ upload: MultipartUpload) async throws {
        let parts = upload.parts.map { "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(S3XML.escape($0.etag))</ETag></Part>" }
        let xml = "<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>"
        let response = try await send(.POST, key: upload.key, query: [("uploadId", upload.uploadID)], body: ByteBuffer(string: xml))
        guard response.status == .ok else { throw await failure(response, "CompleteMultipartUpload", key: upload.key) }
        // S3 may answer 200 and still report an error in the body.
        let text = try await Self.text(of: response)
        if text.contains("<Error>") {
            let detail = [S3XML.value(of: "Code", in: text), S3XML.value(of: "Message", in: text)].compactMap { $0 }.joined(separator: ": ")
            throw ChatError(.unavailable, "S3 CompleteMultipartUpload \(upload.key) failed (\(detail))")
        }
    }

    /// Aborts in a task of its own so it still runs when the upload failed because its task was cancelled (a
    /// cancelled task's HTTP requests fail at once); the upload waits for it, so nothing is left running.
    private func abortMultipartUpload(_ upload: MultipartUpload) async {
        let store = self
        let aborted = await Task {
            let response = try await store.send(.DELETE, key: upload.key, query: [("uploadId", upload.uploadID)])
            guard response.status == .noContent || response.status == .ok || response.status == .notFound else {
                throw await store.failure(response, "AbortMultipartUpload", key: upload.key)
            }
        }.result
        if case .failure(let error) = aborted {
            logger.error(
                "s3 multipart upload not aborted",
                metadata: ["s3.key": "\(upload.key)", "s3.upload_id": "\(upload.uploadID)", "error": "\(error)"]
            )
        }
    }
}
