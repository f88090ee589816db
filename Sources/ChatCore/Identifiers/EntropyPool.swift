#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random words from the operating system, drawn 256 bytes at a time.
///
/// `SystemRandomNumberGenerator` makes one `getrandom` system call per 64-bit word; a message id needs one word, so
/// that was a system call per message. The pool keeps the same source (the kernel's CSPRNG, read through
/// `/dev/urandom`, which Swift's Glibc module offers where it does not offer `getrandom`) and asks it once per 32
/// words. Not thread-safe: its owner serialises access (``IdentifierGenerator`` keeps it under its lock).
struct EntropyPool {
    /// Words per refill: 256 bytes, which the kernel hands out whole in one read.
    static let capacity = 32
    /// `/dev/urandom`, opened once per process on first use; -1 if it cannot be opened (a chroot without `/dev`).
    private static let urandom: Int32 = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    private var words = [UInt64](repeating: 0, count: capacity)
    private var next = capacity

    /// The next random word.
    mutating func word() -> UInt64 {
        if next == Self.capacity {
            refill()
            next = 0
        }
        defer { next += 1 }
        return words[next]
    }

    private mutating func refill() {
        if Self.urandom >= 0 {
            let wanted = Self.capacity * MemoryLayout<UInt64>.size
            let filled = words.withUnsafeMutableBytes { read(Self.urandom, $0.baseAddress, wanted) }
            if filled == wanted { return }
        }
        // Without `/dev/urandom`, or should a read come back short: the standard library's generator, word by word.
        var generator = SystemRandomNumberGenerator()
        for index in words.indices { words[index] = generator.next() }
    }
}
