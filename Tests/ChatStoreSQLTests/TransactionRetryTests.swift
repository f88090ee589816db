import Testing

@testable import ChatStoreSQL

struct TransactionRetryTests {
    private let deadlock = MariaDBError(code: 1213, sqlState: "40001", message: "Deadlock found when trying to get lock")
    private let duplicate = MariaDBError(code: 1062, sqlState: "23000", message: "Duplicate entry")
    private let quick = TransactionRetry(maximumAttempts: 4, firstPause: .microseconds(10), longestPause: .microseconds(40))

    @Test func deadlockVictimsRunAgainUntilOneSucceeds() async throws {
        var attempts = 0
        let result = try await quick.run {
            attempts += 1
            if attempts < 4 { throw deadlock }
            return "committed"
        }
        #expect(result == "committed")
        #expect(attempts == 4)
    }

    @Test func theLastAttemptsErrorIsThrown() async throws {
        var attempts = 0
        await #expect(throws: MariaDBError.self) {
            try await quick.run {
                attempts += 1
                throw deadlock
            }
        }
        #expect(attempts == 4)
    }

    @Test func otherErrorsAreNotRetried() async throws {
        var attempts = 0
        await #expect(throws: MariaDBError.self) {
            try await quick.run {
                attempts += 1
                throw duplicate
            }
        }
        #expect(attempts == 1)
    }

    @Test func aLockWaitTimeoutIsUnavailableNotRetried() {
        let timeout = MariaDBError(code: 1205, sqlState: "HY000", message: "Lock wait timeout exceeded")
        #expect(!SQLFlavor.isRetryable(timeout))
        #expect(timeout.isUnavailable)
        #expect(SQLFlavor.isRetryable(deadlock))
    }

    @Test func pausesAreRandomAndBounded() {
        let standard = TransactionRetry.standard
        for attempt in 2...40 {
            let bound = min(Duration.milliseconds(2) * (1 << min(attempt - 2, 30)), .milliseconds(100))
            for _ in 0..<50 {
                let pause = standard.pause(before: attempt)
                #expect(pause >= .zero && pause <= bound)
            }
        }
        let samples = Set((0..<50).map { _ in standard.pause(before: 8) })
        #expect(samples.count > 10)
        #expect(TransactionRetry(maximumAttempts: 2, firstPause: .zero, longestPause: .zero).pause(before: 2) == .zero)
    }
}
