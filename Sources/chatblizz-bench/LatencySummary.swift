import Histogram

/// A latency histogram in microseconds (1 µs to 1 hour, 3 significant digits).
struct LatencyHistogram: Sendable {
    private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1,
        highestTrackableValue: 3_600_000_000,
        numberOfSignificantValueDigits: .three
    )

    /// Records a latency given in nanoseconds.
    mutating func record(nanoseconds: UInt64) {
        let micros = Swift.min(Swift.max(nanoseconds / 1000, 1), 3_600_000_000)
        _ = self.histogram.record(micros)
    }

    /// Records a latency given in microseconds.
    mutating func record(microseconds: UInt64) {
        _ = self.histogram.record(Swift.min(Swift.max(microseconds, 1), 3_600_000_000))
    }

    mutating func add(_ other: LatencyHistogram) {
        self.histogram.add(other.histogram)
    }

    var summary: LatencySummary {
        let count = self.histogram.totalCount
        func at(_ percentile: Double) -> Double { count == 0 ? 0 : Double(self.histogram.valueAtPercentile(percentile)) / 1000 }
        return LatencySummary(
            count: Int(count),
            p50: at(50),
            p90: at(90),
            p99: at(99),
            p999: at(99.9),
            max: count == 0 ? 0 : Double(self.histogram.max) / 1000,
            mean: count == 0 ? 0 : self.histogram.mean / 1000
        )
    }
}

/// Latency percentiles in milliseconds, as reported.
struct LatencySummary: Codable, Sendable {
    var count: Int
    var p50: Double
    var p90: Double
    var p99: Double
    var p999: Double
    var max: Double
    var mean: Double

    enum CodingKeys: String, CodingKey {
        case count
        case p50 = "p50_ms"
        case p90 = "p90_ms"
        case p99 = "p99_ms"
        case p999 = "p99_9_ms"
        case max = "max_ms"
        case mean = "mean_ms"
    }
}
