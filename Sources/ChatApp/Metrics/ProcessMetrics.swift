import Foundation
import Prometheus
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The standard `process_*` figures of the Prometheus exposition format, read from `/proc/self` when scraped (Linux
/// only; elsewhere they stay at zero).
final class ProcessMetrics: Sendable {
    private let cpuSeconds: Counter
    private let residentMemory: Gauge
    private let openFileDescriptors: Gauge
    private let maxFileDescriptors: Gauge
    private let startTime: Gauge
    /// The CPU seconds already added to the counter, which only goes up.
    private let countedCPUSeconds = Mutex<Double>(0)

    init(registry: PrometheusCollectorRegistry) {
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "process", metricName: name, unitName: unit, helpText: help)
        }
        cpuSeconds = registry.makeCounter(descriptor: descriptor("cpu", "seconds_total", "Total user and system CPU time spent in seconds."))
        residentMemory = registry.makeGauge(descriptor: descriptor("resident_memory", "bytes", "Resident memory size in bytes."))
        openFileDescriptors = registry.makeGauge(descriptor: descriptor("open_fds", "", "Number of open file descriptors."))
        maxFileDescriptors = registry.makeGauge(descriptor: descriptor("max_fds", "", "Maximum number of open file descriptors."))
        startTime = registry.makeGauge(
            descriptor: descriptor("start_time", "seconds", "Start time of the process since unix epoch in seconds.")
        )
        #if os(Linux)
        if let started = Self.startTimeSinceEpoch() { startTime.set(started) }
        #endif
    }

    /// Reads the current figures into the gauges and the CPU counter.
    func refresh() {
        #if os(Linux)
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        if let fields = Self.statFields(), fields.count > 21, ticksPerSecond > 0,
            let user = Double(fields[11]), let system = Double(fields[12]), let pages = Double(fields[21])
        {
            let total = (user + system) / ticksPerSecond
            let delta = countedCPUSeconds.withLock { counted -> Double in
                let delta = max(0, total - counted)
                counted += delta
                return delta
            }
            if delta > 0 { cpuSeconds.increment(by: delta) }
            residentMemory.set(pages * Double(sysconf(Int32(_SC_PAGESIZE))))
        }
        if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFileDescriptors.set(Double(descriptors.count))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { maxFileDescriptors.set(Double(limit.rlim_cur)) }
        #endif
    }

    #if os(Linux)
    /// The fields of `/proc/self/stat` after the command name (which may hold spaces), so `fields[0]` is the state
    /// (the stat(5) field 3): utime is `fields[11]`, stime `fields[12]`, starttime `fields[19]`, rss `fields[21]`.
    private static func statFields() -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: end)...].split(separator: " ")
    }

    /// The boot time from `/proc/stat` plus the process's start in ticks after boot.
    private static func startTimeSinceEpoch() -> Double? {
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard ticksPerSecond > 0, let fields = statFields(), fields.count > 19, let started = Double(fields[19]),
            let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return boot + started / ticksPerSecond
    }
    #endif
}
