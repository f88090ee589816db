#if canImport(Glibc)
import Glibc
#endif

/// One reading of a process's resource use from `/proc/<pid>/stat` and `/proc/<pid>/status`.
struct ProcessSample: Sendable {
    /// User + system CPU time of all threads, in microseconds (`/proc` counts in clock ticks, usually 10 ms).
    var cpuMicros: UInt64
    /// Resident set size in bytes (`VmRSS`).
    var rssBytes: UInt64
    /// Peak resident set size in bytes (`VmHWM`).
    var peakRSSBytes: UInt64
    /// Monotonic time of the reading.
    var atNanos: UInt64
}

/// Reads `/proc` for one process id (Linux only).
struct ProcessSampler: Sendable {
    let pid: Int32

    static var ownPID: Int32 { getpid() }

    func sample() throws -> ProcessSample {
        let stat = try Self.read("/proc/\(self.pid)/stat")
        // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
        guard let close = stat.lastIndex(of: ")") else { throw BenchError("cannot parse /proc/\(self.pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the name: state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
        guard fields.count > 13, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else {
            throw BenchError("cannot parse /proc/\(self.pid)/stat")
        }
        let ticks = UInt64(Swift.max(sysconf(Int32(_SC_CLK_TCK)), 1))
        let status = try Self.read("/proc/\(self.pid)/status")
        var rss: UInt64 = 0
        var hwm: UInt64 = 0
        for line in status.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { rss = Self.kilobytes(line) * 1024 }
            if line.hasPrefix("VmHWM:") { hwm = Self.kilobytes(line) * 1024 }
        }
        return ProcessSample(cpuMicros: (user + system) * 1_000_000 / ticks, rssBytes: rss, peakRSSBytes: hwm, atNanos: Clock.nanos)
    }

    private static func kilobytes(_ line: Substring) -> UInt64 {
        line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) } ?? 0
    }

    static func read(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else { throw BenchError("cannot open \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 4096, file) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The 1-minute load average from `/proc/loadavg`, for the report.
    static func loadAverage() -> String {
        ((try? read("/proc/loadavg")) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// Raises the soft open-file limit to the hard limit so that thousands of sockets fit.
    static func raiseFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return UInt64(limit.rlim_cur)
    }
}

/// Server and client resource use over a measured window.
struct ResourceUsage: Codable, Sendable {
    var serverCPUSeconds: Double?
    var serverRSSBeforeBytes: UInt64?
    var serverRSSAfterBytes: UInt64?
    var serverPeakRSSBytes: UInt64?
    var clientCPUSeconds: Double?

    init(server: (ProcessSample, ProcessSample)?, client: (ProcessSample, ProcessSample)?) {
        if let (before, after) = server {
            self.serverCPUSeconds = Double(after.cpuMicros &- before.cpuMicros) / 1_000_000
            self.serverRSSBeforeBytes = before.rssBytes
            self.serverRSSAfterBytes = after.rssBytes
            self.serverPeakRSSBytes = after.peakRSSBytes
        }
        if let (before, after) = client {
            self.clientCPUSeconds = Double(after.cpuMicros &- before.cpuMicros) / 1_000_000
        }
    }
}

/// The monotonic clock used for every timestamp (the same on every thread).
enum Clock {
    static var nanos: UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }
}
