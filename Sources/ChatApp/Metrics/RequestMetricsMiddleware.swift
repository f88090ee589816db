import HTTPTypes
import Hummingbird

/// Counts every HTTP request by method, route template and status, and records how long it took to produce the
/// response head. It runs outside `ErrorMiddleware`, so it sees the status the client gets. Labels are bounded: the
/// route is the matched template (`/api/v2/conversations/{userId}/messages`), or `unmatched`; an unknown method is `other`.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ChatMetrics

    private static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .patch, .delete, .options: method.rawValue
        default: "other"
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status, started: started)
            return response
        } catch {
            // Only errors that no inner middleware answered reach here: Hummingbird answers them itself.
            record(request, context, status: (error as? any HTTPResponseError)?.status ?? .internalServerError, started: started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: HTTPResponse.Status, started: ContinuousClock.Instant) {
        let method = Self.methodLabel(request.method)
        // Hummingbird names a request that matched no route "NotFound".
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        let registry = metrics.registry
        registry.makeCounter(
            descriptor: ChatMetrics.httpRequestsDescriptor,
            labels: [("method", method), ("route", route), ("status", String(status.code))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: ChatMetrics.httpDurationDescriptor,
            labels: [("method", method), ("route", route)],
            buckets: ChatMetrics.durationBuckets
        ).record(ContinuousClock.now - started)
    }
}
