import AsyncHTTPClient
import ChatCore
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension S3BlobStore {
    /// Signs and sends one request, retrying with exponential backoff and jitter on 5xx, 429, throttling codes and
    /// connection failures. The body is a buffered `ByteBuffer` (at most one part), so it can be sent again. The
    /// response is returned whatever its status; its body may still be streaming.
    func send(
        _ method: HTTPMethod,
        key: String?,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [],
        body: ByteBuffer? = nil
    ) async throws -> HTTPClientResponse {
        let payloadHash = body.map { S3Signer.hex(SHA256.hash(data: $0.readableBytesView)) } ?? S3Signer.emptyPayloadSHA256
        var attempt = 0
        while true {
            attempt += 1
            let request = signedRequest(method, key: key, query: query, headers: headers, body: body, payloadHash: payloadHash)
            let retryReason: String
            do {
                let response = try await httpClient.execute(request, timeout: Self.timeAmount(configuration.requestTimeout), logger: logger)
                guard attempt < configuration.maxAttempts, Self.isRetryable(response.status) else { return response }
                let text = try? await Self.text(of: response)
                retryReason = "\(response.status.code) \(text.flatMap { S3XML.value(of: "Code", in: $0) } ?? "")"
            } catch let error as HTTPClientError where attempt < configuration.maxAttempts && Self.isRetryable(error) {
                retryReason = "\(error)"
            }
            let delay = configuration.retryBaseDelay * (1 << min(attempt - 1, 10))
            let jitter = delay * Double.random(in: 0..<0.5)
            logger.debug("s3 request retried", metadata: ["s3.method": "\(method)", "s3.attempt": "\(attempt)", "s3.reason": "\(retryReason)"])
            try await Task.sleep(for: delay + jitter)
        }
    }

    private func signedRequest(
        _ method: HTTPMethod,
        key: String?,
        query: [(name: String, value: String)],
        headers extraHeaders: [(name: String, value: String)],
        body: ByteBuffer?,
        payloadHash: String
    ) -> HTTPClientRequest {
        let location = configuration.location(of: key)
        let queryString = query.isEmpty ? "" : "?" + S3Signer.canonicalQuery(query)
        var request = HTTPClientRequest(url: "\(location.scheme)://\(location.host)\(S3Signer.encode(location.path, keepSlash: true))\(queryString)")
        request.method = method
        let now = Date()
        let signedHeaders =
            [
                ("host", location.host),
                ("x-amz-date", S3Signer.timestamp(now).dateTime),
                ("x-amz-content-sha256", payloadHash),
            ] + extraHeaders
        let authorization = signer.authorization(
            for: S3Signer.Request(method: method.rawValue, path: location.path, query: query, headers: signedHeaders, payloadHash: payloadHash),
            at: now
        )
        for header in signedHeaders { request.headers.add(name: header.0, value: header.1) }
        request.headers.add(name: "authorization", value: authorization)
        if let body {
            request.body = .bytes(body)
        } else if method == .PUT || method == .POST {
            request.headers.add(name: "content-length", value: "0")
        }
        return request
    }

    /// Reads a small response body (errors, XML results) as text.
    static func text(of response: HTTPClientResponse, limit: Int = 1024 * 1024) async throws -> String {
        let buffer = try await response.body.collect(upTo: limit)
        return String(buffer: buffer)
    }

    /// A `ChatError` describing a failed S3 call, with S3's `Code` and `Message` when the body has them.
    func failure(_ response: HTTPClientResponse, _ operation: String, key: String?) async -> ChatError {
        let text = (try? await Self.text(of: response, limit: 64 * 1024)) ?? ""
        let code = S3XML.value(of: "Code", in: text)
        let message = S3XML.value(of: "Message", in: text)
        let detail = [code, message].compactMap { $0 }.joined(separator: ": ")
        let description = "S3 \(operation)\(key.map { " \($0)" } ?? "") failed with \(response.status.code)\(detail.isEmpty ? "" : " (\(detail))")"
        // A missing object is an everyday answer, not an incident.
        logger.log(
            level: response.status == .notFound ? .debug : .warning,
            "s3 request failed",
            metadata: ["s3.operation": "\(operation)", "s3.status": "\(response.status.code)", "s3.code": "\(code ?? "")"]
        )
        switch response.status.code {
        case 404: return ChatError(.notFound, description)
        case 416: return ChatError(.invalidRequest, description)
        default: return ChatError(.unavailable, description)
        }
    }

    static func isRetryable(_ status: HTTPResponseStatus) -> Bool {
        status.code >= 500 || status == .tooManyRequests
    }

    static func isRetryable(_ error: HTTPClientError) -> Bool {
        [.remoteConnectionClosed, .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .getConnectionFromPoolTimeout]
            .contains(error)
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
