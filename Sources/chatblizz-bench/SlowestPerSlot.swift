/// The slowest delivery of each 100 ms of the measurement window, by when the message was meant to be sent: shows
/// whether a long tail comes from a few stalls that every message of their moment waits out, or from messages spread
/// over the whole window.
struct SlowestPerSlot: Sendable {
    static let slotNanos: UInt64 = 100_000_000

    private let start: UInt64
    /// Microseconds, one per slot.
    private(set) var slots: [UInt32]

    init(window: (start: UInt64, end: UInt64)) {
        self.start = window.start
        let length = window.end > window.start && window.end != .max ? window.end - window.start : 0
        self.slots = Array(repeating: 0, count: Int((length + Self.slotNanos - 1) / Self.slotNanos))
    }

    mutating func record(sentAt: UInt64, latency: UInt64) {
        guard sentAt >= self.start else { return }
        let slot = Int((sentAt - self.start) / Self.slotNanos)
        guard slot < self.slots.count else { return }
        let micros = UInt32(clamping: latency / 1_000)
        if micros > self.slots[slot] { self.slots[slot] = micros }
    }

    mutating func add(_ other: SlowestPerSlot) {
        for index in self.slots.indices where index < other.slots.count {
            self.slots[index] = max(self.slots[index], other.slots[index])
        }
    }

    /// The slots whose slowest delivery took longer than `threshold` microseconds: their offsets in the window (s) and
    /// that delivery's latency (ms).
    func slow(over threshold: UInt32) -> [(offset: Double, milliseconds: Double)] {
        self.slots.indices.filter { self.slots[$0] > threshold }.map {
            (Double($0) * Double(Self.slotNanos) / 1e9, Double(self.slots[$0]) / 1_000)
        }
    }
}
