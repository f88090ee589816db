import Foundation
import Testing

/// Large uploads through a real `chatblizz serve` process, streamed by a Python client that never holds the file either:
/// the server's resident memory must stay flat, the recipient's socket gets the file message and the download matches.
@Suite("File uploads stream end to end", .serialized, .timeLimit(.minutes(10)))
struct FileStreamingTests {
    static let megabyte = 1024 * 1024

    @Test func thirtyMegabytesStreamToLocalStorageInBoundedMemory() async throws {
        guard await Interop.available() else { return }
        let server = try await ServerProcess.start(environment: [
            "CHATBLIZZ_MAX_FILE_BYTES": String(40 * Self.megabyte), "CHATBLIZZ_MAX_UPLOAD_BYTES": String(45 * Self.megabyte),
        ])
        let ((output, baseline, peak), stored) = try await server.running {
            let measured = try await Self.measuringRSS(of: server) {
                try await Interop.run("stream_upload.py", [server.baseURL, "--size-mb", "30"], in: "files", timeout: .seconds(600))
            }
            return (measured, storedFileCount("\(server.dataDirectory)/files"))
        }
        #expect(output.contains("OK size=\(30 * Self.megabyte)"), "\(output)")
        #expect(baseline > 0 && peak > 0, "VmRSS could not be read")
        #expect(peak <= baseline + 20 * Self.megabyte, "peak RSS \(peak / 1024) KiB, baseline \(baseline / 1024) KiB")
        #expect(stored == 1)
        Self.record("local 30 MiB", output: output, baseline: baseline, peak: peak)
    }

    @Test func s3UploadsRedirectDownloadsToAPresignedURL() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["CHATBLIZZ_TEST_S3_ENDPOINT"], !endpoint.isEmpty else {
            if environment["CI"] == "true" { Issue.record("CHATBLIZZ_TEST_S3_ENDPOINT is not set: scripts/test starts moto") }
            return
        }
        guard await Interop.available() else { return }
        let bucket = "chatblizz-app-\(UUID().uuidString.lowercased().prefix(12))"
        let server = try await ServerProcess.start(environment: [
            "AWS_BUCKET_NAME": bucket, "AWS_BUCKET_REGION": "us-east-1", "ACCESS_KEY_AWS": "testing", "SECRET_KEY_AWS": "testing",
            "AWS_ENDPOINT_URL": endpoint, "CHATBLIZZ_S3_PART_SIZE_MB": "5",
        ])
        let ((output, baseline, peak), stored) = try await server.running {
            let measured = try await Self.measuringRSS(of: server) {
                try await Interop.run(
                    "stream_upload.py",
                    [server.baseURL, "--size-mb", "12", "--s3-endpoint", endpoint, "--bucket", bucket],
                    in: "files",
                    timeout: .seconds(600)
                )
            }
            return (measured, storedFileCount("\(server.dataDirectory)/files"))
        }
        #expect(output.contains("OK size=\(12 * Self.megabyte)"), "\(output)")
        // S3BlobStore holds one part (5 MiB here) so it can be retried, and the HTTP client copies it while sending.
        #expect(peak <= baseline + (2 * 5 + 20) * Self.megabyte, "peak RSS \(peak / 1024) KiB, baseline \(baseline / 1024) KiB")
        #expect(stored == 0, "nothing is written locally with S3")
        Self.record("S3 12 MiB", output: output, baseline: baseline, peak: peak)
    }

    /// Runs `body` while sampling the server's VmRSS every 10 ms; returns its result, the RSS before it and the peak.
    static func measuringRSS<T: Sendable>(of server: ServerProcess, _ body: () async throws -> T) async throws -> (T, Int, Int) {
        let pid = server.child.pid
        let baseline = residentBytes(pid) ?? 0
        let sampler = Task {
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, residentBytes(pid) ?? 0)
                try? await Task.sleep(for: .milliseconds(10))
            }
            return peak
        }
        do {
            let result = try await body()
            sampler.cancel()
            return (result, baseline, max(await sampler.value, residentBytes(pid) ?? 0))
        } catch {
            sampler.cancel()
            _ = await sampler.value
            throw error
        }
    }

    /// `VmRSS` of a process in bytes, from `/proc/<pid>/status`.
    static func residentBytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
    }

    /// Leaves the measurement in the test log.
    static func record(_ name: String, output: String, baseline: Int, peak: Int) {
        let line = "\(name): baseline VmRSS \(baseline / 1024) KiB, peak \(peak / 1024) KiB, growth \((peak - baseline) / 1024) KiB; "
        FileHandle.standardError.write(Data((line + output.trimmingCharacters(in: .whitespacesAndNewlines) + "\n").utf8))
    }
}
