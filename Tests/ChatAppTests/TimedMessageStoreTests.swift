import ChatCore
import ChatCoreTesting
import Prometheus
import Testing

@testable import ChatApp

/// `TimedMessageStore` keeps the `MessageStore` contract of the store it wraps, and times what it forwards.
@Suite("Timed message store")
struct TimedMessageStoreTests {
    @Test(arguments: MessageStoreConformance.cases + MessageStoreConformance.changeFeedCases)
    func keepsTheContract(_ conformance: ConformanceCase) async throws {
        var fixture = StoreFixture.memory()
        fixture.messages = TimedMessageStore(base: fixture.messages, metrics: StoreMetrics(registry: PrometheusCollectorRegistry()))
        try await conformance.body(fixture)
    }

    @Test func countsBatchesAndFailures() async throws {
        let registry = PrometheusCollectorRegistry()
        let base = ObservedMessageStore()
        let store = TimedMessageStore(base: base, metrics: StoreMetrics(registry: registry))
        func draft(_ index: Int) -> MessageDraft {
            Fixtures.message("m\(index)", from: UserID("a"), to: UserID("b"), at: 1_700_000_000_000 + Int64(index))
        }
        _ = try await store.append((0..<3).map(draft))
        await base.failAppends(1)
        await #expect(throws: ChatError.self) { try await store.append([draft(9)]) }
        let text = registry.emitToString()
        #expect(text.contains("chatblizz_store_append_batch_size_count 2\n"), "\(text)")
        #expect(text.contains("chatblizz_store_append_batch_size_sum 4.0\n"), "\(text)")
        #expect(text.contains(#"chatblizz_store_duration_seconds_count{operation="append"} 2"# + "\n"), "\(text)")
        #expect(text.contains(#"chatblizz_store_failures_total{operation="append"} 1"# + "\n"), "\(text)")
        #expect(text.contains(#"chatblizz_store_failures_total{operation="page"} 0"# + "\n"), "\(text)")
    }
}
