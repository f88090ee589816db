import Foundation

/// The result of one scenario run: printed as a table and written as JSON.
struct BenchReport: Codable, Sendable {
    struct Metric: Codable, Sendable {
        var name: String
        var value: Double
        var unit: String
    }

    struct Latency: Codable, Sendable {
        var name: String
        var latency: LatencySummary
    }

    var scenario: String
    var target: String
    var url: String
    var startedAt: String
    var loadAverageBefore: String
    var loadAverageAfter: String = ""
    var parameters: [String: String] = [:]
    var latencies: [Latency] = []
    var metrics: [Metric] = []
    var resources: ResourceUsage?
    var verification: String?
    var passed = true
    var notes: [String] = []

    init(scenario: String, options: CommonOptions) {
        self.scenario = scenario
        self.target = options.target.rawValue
        self.url = options.url
        self.startedAt = ISO8601DateFormatter().string(from: Date())
        self.loadAverageBefore = ProcessSampler.loadAverage()
        self.parameters = [
            "duration_s": String(options.duration), "warmup_s": String(options.warmup), "threads": String(options.threads),
        ]
    }

    mutating func add(_ name: String, _ value: Double, _ unit: String) {
        self.metrics.append(Metric(name: name, value: value, unit: unit))
    }

    mutating func add(latency name: String, _ histogram: LatencyHistogram) {
        self.latencies.append(Latency(name: name, latency: histogram.summary))
    }

    /// Prints the human table on stdout.
    func printTable() {
        var lines: [String] = []
        lines.append("chatblizz-bench \(self.scenario) — target \(self.target) at \(self.url), started \(self.startedAt)")
        lines.append("load average before: \(self.loadAverageBefore); after: \(self.loadAverageAfter)")
        let parameters = self.parameters.keys.sorted().map { "\($0)=\(self.parameters[$0] ?? "")" }.joined(separator: " ")
        lines.append("parameters: \(parameters)")
        if !self.latencies.isEmpty {
            lines.append("")
            let header = ["latency (ms)", "count", "p50", "p90", "p99", "p99.9", "max", "mean"]
            lines.append(Self.row(header))
            for entry in self.latencies {
                let summary = entry.latency
                lines.append(
                    Self.row(
                        [entry.name, String(summary.count)]
                            + [summary.p50, summary.p90, summary.p99, summary.p999, summary.max, summary.mean].map { Self.format($0) }
                    )
                )
            }
        }
        if !self.metrics.isEmpty {
            lines.append("")
            for metric in self.metrics {
                lines.append(Self.pad(metric.name, 44) + Self.format(metric.value) + " " + metric.unit)
            }
        }
        for note in self.notes { lines.append("note: \(note)") }
        if let verification { lines.append(verification) }
        print(lines.joined(separator: "\n"))
    }

    /// Writes the JSON report, pretty-printed with sorted keys.
    func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }

    private static func row(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in index == 0 ? pad(cell, 26) : leftPad(cell, 10) }.joined()
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e12 { return String(Int64(value)) }
        if abs(value) >= 100 { return String(format: "%.1f", value) }
        return String(format: "%.3f", value)
    }
}

/// Progress lines for the operator, on stderr so that stdout holds only the report.
enum Output {
    static func status(_ text: String) {
        FileHandle.standardError.write(Data("[chatblizz-bench] \(text)\n".utf8))
    }
}

extension BenchReport {
    /// Adds the server and client resource figures, per `unitCount` of `unitName` when given.
    mutating func addResources(_ usage: ResourceUsage, perUnit units: [(count: Int, name: String)]) {
        self.resources = usage
        if let cpu = usage.serverCPUSeconds {
            self.add("server CPU time", cpu, "s")
            for unit in units where unit.count > 0 {
                self.add("server CPU per \(unit.name)", cpu * 1_000_000 / Double(unit.count), "µs")
            }
        }
        if let before = usage.serverRSSBeforeBytes, let after = usage.serverRSSAfterBytes {
            self.add("server RSS before", Double(before) / 1_048_576, "MiB")
            self.add("server RSS after", Double(after) / 1_048_576, "MiB")
        }
        if let peak = usage.serverPeakRSSBytes { self.add("server peak RSS", Double(peak) / 1_048_576, "MiB") }
        if let client = usage.clientCPUSeconds { self.add("client (bench) CPU time", client, "s") }
    }

    /// Finishes the run: load average, table, JSON file.
    mutating func finish(options: CommonOptions) throws {
        self.loadAverageAfter = ProcessSampler.loadAverage()
        self.printTable()
        if let path = options.json { try self.writeJSON(to: path) }
    }
}
