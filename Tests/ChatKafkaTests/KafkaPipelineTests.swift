import AsyncTestSupport
import ChatCore
import ChatCoreTesting
import Foundation
import Logging
import Synchronization
import Testing

@testable import ChatKafka

/// The Kafka broker of `CHATBLIZZ_TEST_KAFKA_BROKERS` (scripts/test starts librdkafka's mock broker).
enum TestBroker {
    static let variable = "CHATBLIZZ_TEST_KAFKA_BROKERS"

    /// The brokers, or nil (an issue under `CI=true`) when none is configured or the build has no Kafka trait.
    static func brokers(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let environment = ProcessInfo.processInfo.environment
        guard KafkaConfiguration.isAvailable else {
            if environment["CI"] == "true" {
                Issue.record("built without the Kafka trait: CI must run `swift test --traits Kafka`", sourceLocation: sourceLocation)
            }
            return nil
        }
        if let brokers = environment[variable], !brokers.isEmpty { return brokers }
        if environment["CI"] == "true" { Issue.record("\(variable) is not set: Kafka tests must run in CI", sourceLocation: sourceLocation) }
        return nil
    }

    /// A configuration with a topic and group of its own, so tests never see each other's records.
    static func configuration(brokers: String) -> KafkaConfiguration {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        var configuration = KafkaConfiguration(
            brokers: brokers,
            topic: "messages-\(suffix)",
            groupID: "group-\(suffix)",
            deliveryTimeout: .seconds(5)
        )
        // librdkafka's mock broker completes a rebalance only after about a session timeout, even when the member
        // that left said so; Apache Kafka rebalances at once. A short one keeps the restart test quick.
        configuration.properties["session.timeout.ms"] = "6000"
        configuration.properties["heartbeat.interval.ms"] = "500"
        return configuration
    }
}

#if Kafka
@Suite(.timeLimit(.minutes(10)))
struct KafkaPipelineTests {
    static let a = UserID("u-a")
    static let logger = Logger(label: "chatblizz.kafka.test")

    /// Runs a producer, and a persister when `persist` is true, around `body`.
    static func withPipeline<R: Sendable>(
        _ configuration: KafkaConfiguration,
        store: any MessageStore,
        events: any EventBus,
        persist: Bool = true,
        backlog: KafkaBacklog? = nil,
        logger: Logger = KafkaPipelineTests.logger,
        _ body: @Sendable (KafkaMessagePipeline, KafkaProducer) async throws -> R
    ) async throws -> R {
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let pipeline = KafkaMessagePipeline(producer: producer, store: store, recordFormat: configuration.recordFormat, backlog: backlog)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await producer.run() }
            if persist {
                group.addTask {
                    try await KafkaMessagePersister(configuration: configuration, store: store, events: events, backlog: backlog, logger: logger)
                        .run()
                }
            }
            defer { group.cancelAll() }
            return try await body(pipeline, producer)
        }
    }

    /// Waits (at most `limit`) until `condition` holds.
    static func eventually(within limit: Duration = .seconds(20), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    static func draft(_ n: Int, to peer: Int, clientMessageID: String? = nil) -> MessageDraft {
        Fixtures.message(
            String(format: "m-%05d", n),
            from: a,
            to: UserID("u-peer-\(peer)"),
            at: 1_000 + Int64(n),
            clientMessageID: clientMessageID
        )
    }

    /// Every acknowledged message ends up stored once and announced once, in order within each conversation.
    @Test func acknowledgedMessagesAreStoredAndAnnouncedOnce() async throws {
        guard let brokers = TestBroker.brokers() else { return }
        let store = MemoryMessageStore()
        let events = MemoryEventBus()
        let announced = events.subscribe()
        let drafts = (0..<300).map { Self.draft($0, to: $0 % 7, clientMessageID: "c\($0)") }
        try await Self.withPipeline(TestBroker.configuration(brokers: brokers), store: store, events: events) { pipeline, _ in
            let outcomes = try await withThrowingTaskGroup(of: AppendOutcome.self) { group in
                for draft in drafts { group.addTask { try await pipeline.submit(draft, origin: "socket-\(draft.id)") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { $0.created })
            #expect(
                try await Self.eventually {
                    var stored = 0
                    for peer in 0..<7 {
                        let page = await store.page(of: ConversationID(Self.a, UserID("u-peer-\(peer)")), MessagePageRequest(limit: 100))
                        stored += page.messages.count
                    }
                    return stored == drafts.count
                }
            )
        }
        for peer in 0..<7 {
            let page = await store.page(of: ConversationID(Self.a, UserID("u-peer-\(peer)")), MessagePageRequest(limit: 100))
            #expect(page.messages.map(\.id).reversed() == drafts.filter { $0.recipientID.rawValue == "u-peer-\(peer)" }.map(\.id))
        }
        var seen: [MessageID: String?] = [:]
        for await event in announced {
            if case .messageCreated(let message, let origin) = event {
                #expect(seen[message.id] == nil, "announced twice: \(message.id)")
                seen[message.id] = origin
            }
            if seen.count == drafts.count { break }
        }
        #expect(seen.count == drafts.count)
        #expect(seen[drafts[0].id] == "socket-\(drafts[0].id)")
    }

    /// A retried send resolves to the first one: on the same node before it is stored, on another node after.
    @Test func retriedSendsResolveToTheFirst() async throws {
        guard let brokers = TestBroker.brokers() else { return }
        let configuration = TestBroker.configuration(brokers: brokers)
        let store = MemoryMessageStore()
        let events = MemoryEventBus()
        let first = Self.draft(1, to: 1, clientMessageID: "k")
        try await Self.withPipeline(configuration, store: store, events: events) { pipeline, _ in
            async let one = pipeline.submit(first, origin: nil)
            async let two = pipeline.submit(Self.draft(2, to: 1, clientMessageID: "k"), origin: nil)
            let outcomes = try await [one, two]
            #expect(outcomes.filter(\.created).count == 1)
            #expect(Set(outcomes.map(\.message.id)).count == 1)
            let again = try await pipeline.submit(Self.draft(3, to: 1, clientMessageID: "k"), origin: nil)
            #expect(!again.created && again.message.id == outcomes[0].message.id)
            #expect(try await Self.eventually { await store.messages(sentWith: [ClientMessageKey(sender: Self.a, clientMessageID: "k")]).count == 1 })
        }
        // Another node knows nothing of the first send, but the store does.
        try await Self.withPipeline(configuration, store: store, events: events, persist: false) { otherNode, _ in
            let retry = try await otherNode.submit(Self.draft(4, to: 1, clientMessageID: "k"), origin: nil)
            #expect(!retry.created)
            #expect(retry.message.id == (await store.messages(sentWith: [ClientMessageKey(sender: Self.a, clientMessageID: "k")])).first?.id)
        }
        #expect(await store.page(of: first.conversationID, MessagePageRequest(limit: 10)).messages.count == 1)
    }

    /// Records produced while no persister runs, and a persister stopped halfway, lose nothing: the next one resumes
    /// from the committed offsets, and what is stored twice is harmless.
    @Test func aRestartedPersisterResumesWithoutLoss() async throws {
        guard let brokers = TestBroker.brokers() else { return }
        let configuration = TestBroker.configuration(brokers: brokers)
        let store = MemoryMessageStore()
        let events = MemoryEventBus()
        let drafts = (0..<200).map { Self.draft($0, to: 0) }
        try await Self.withPipeline(configuration, store: store, events: events, persist: false) { pipeline, _ in
            for draft in drafts.prefix(100) { _ = try await pipeline.submit(draft, origin: nil) }
        }
        let conversation = drafts[0].conversationID
        @Sendable func stored() async -> Int { await store.page(of: conversation, MessagePageRequest(limit: 500)).messages.count }
        try await Self.withPipeline(configuration, store: store, events: events) { pipeline, _ in
            #expect(try await Self.eventually { await stored() == 100 })
            for draft in drafts.suffix(100).prefix(50) { _ = try await pipeline.submit(draft, origin: nil) }
        }
        try await Self.withPipeline(configuration, store: store, events: events) { pipeline, _ in
            for draft in drafts.suffix(50) { _ = try await pipeline.submit(draft, origin: nil) }
            #expect(try await Self.eventually { await stored() == 200 })
        }
        #expect(await stored() == 200)
    }

    /// A record that is not a message is logged and skipped; the ones after it are stored.
    @Test func aForeignRecordDoesNotStopThePersister() async throws {
        guard let brokers = TestBroker.brokers() else { return }
        let store = MemoryMessageStore()
        let message = Self.draft(1, to: 1)
        try await Self.withPipeline(TestBroker.configuration(brokers: brokers), store: store, events: MemoryEventBus()) { pipeline, producer in
            try await producer.produce(key: message.conversationID.rawValue, value: Array("not json".utf8))
            try await producer.produce(key: message.conversationID.rawValue, value: Array(#"{"version":99}"#.utf8))
            _ = try await pipeline.submit(message, origin: nil)
            #expect(try await Self.eventually { await store.message(id: message.id) != nil })
        }
    }

    /// A record of a layout newer than this node's stops the persister, and it is not skipped: the offset is not
    /// committed, so the next persister of the group gets the same record (and stops too).
    @Test func aRecordOfANewerLayoutStopsThePersisterWithoutSkippingIt() async throws {
        guard let brokers = TestBroker.brokers() else { return }
        let configuration = TestBroker.configuration(brokers: brokers)
        let store = MemoryMessageStore()
        let message = Self.draft(1, to: 1)
        var newer = try KafkaMessageRecord(message: message, origin: nil).encoded()
        newer[1] = KafkaMessageRecord.currentVersion + 1
        try await Self.withPipeline(configuration, store: store, events: MemoryEventBus(), persist: false) { [newer] _, producer in
            try await producer.produce(key: message.conversationID.rawValue, value: newer)
        }
        for _ in 0..<2 {
            let finished: Void? = await withDeadline(.seconds(40)) {
                await #expect(throws: KafkaRecordFromNewerVersion.self) {
                    try await KafkaMessagePersister(configuration: configuration, store: store, events: MemoryEventBus(), logger: Self.logger).run()
                }
            }
            #expect(finished != nil, "the persister did not stop within 40 s")
        }
        #expect(await store.message(id: message.id) == nil)
    }

    /// A persister stopped while the store is down does not commit the batch it could not store: the next persister
    /// stores it. Version 1 (JSON) records, as a node of an older version or `recordFormat = .json` writes them, are
    /// stored like the others.
    @Test func aBatchThatWasNotStoredIsNotCommittedAtShutdown() async throws {
        guard let brokers = TestBroker.brokers() else { return }
        var configuration = TestBroker.configuration(brokers: brokers)
        configuration.recordFormat = .json
        let down = ObservedMessageStore()
        await down.failAppends(Int.max)
        let message = Self.draft(1, to: 1)
        try await Self.withPipeline(configuration, store: down, events: MemoryEventBus()) { pipeline, _ in
            _ = try await pipeline.submit(message, origin: nil)
            #expect(try await Self.eventually { await down.appendCalls.count >= 2 })
        }
        #expect(await down.inner.message(id: message.id) == nil)
        let up = MemoryMessageStore()
        try await Self.withPipeline(configuration, store: up, events: MemoryEventBus()) { _, _ in
            let stored = try await Self.eventually(within: .seconds(40)) { await up.message(id: message.id)?.body == message.body }
            #expect(stored)
        }
    }

    /// Sends wait while the persister is behind: with the store down, one sender gets no further than the limit (plus
    /// the batch being stored and what it sends between two samples) ahead of the store, whatever its speed; once the
    /// store is back, the held sends go through and every message is stored.
    @Test func sendsWaitWhileThePersisterIsBehind() async throws {
        guard let brokers = TestBroker.brokers() else { return }
        var configuration = TestBroker.configuration(brokers: brokers)
        configuration.maxBatchSize = 10
        let backlog = KafkaBacklog(limit: 20, timeout: .seconds(120))
        let store = ObservedMessageStore()
        let conversation = Self.draft(0, to: 1).conversationID
        let count = 400
        let logs = CapturedLogs()
        try await Self.withPipeline(configuration, store: store, events: MemoryEventBus(), backlog: backlog, logger: logs.logger()) {
            pipeline,
            _ in
            try await Self.persisterReads(pipeline, store: store.inner)
            await store.failAppends(Int.max)
            let acknowledged = Counter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for n in 1...count {
                        _ = try await pipeline.submit(Self.draft(n, to: 1), origin: nil)
                        acknowledged.add()
                    }
                }
                // Until the sender is held (the gate closed and no ack for 3 s) or done. A sender that is only
                // scheduled late on a busy machine is not mistaken for a held one.
                var last = -1
                var since = ContinuousClock.now
                while acknowledged.value < count {
                    try await Task.sleep(for: .milliseconds(100))
                    if acknowledged.value != last || !backlog.isHolding {
                        (last, since) = (acknowledged.value, .now)
                    } else if since.duration(to: .now) > .seconds(3) {
                        break
                    }
                }
                let ahead = acknowledged.value
                // Without the backlog every send is acknowledged: the brokers take them while nothing is stored.
                #expect(ahead <= 100, "the sender got \(ahead) messages ahead of a store that was down")
                #expect(ahead > 20, "the sender was held before the limit")
                #expect(logs.all.contains { $0.0 == .warning && $0.1.contains("holding new sends") })
                await store.failAppends(0)
                try await group.waitForAll()
            }
            let everyOne = try await Self.eventually(within: .seconds(60)) {
                await store.inner.page(of: conversation, MessagePageRequest(limit: 500)).messages.count == count + 1
            }
            #expect(everyOne)
        }
    }

    /// A send held longer than the delivery timeout fails as unavailable, and its record is never produced; once the
    /// store is back, every acknowledged message is stored.
    @Test func aSendHeldPastTheDeliveryTimeoutFailsAndIsNotProduced() async throws {
        guard let brokers = TestBroker.brokers() else { return }
        var configuration = TestBroker.configuration(brokers: brokers)
        configuration.deliveryTimeout = .seconds(1)
        let backlog = KafkaBacklog(limit: 5, timeout: configuration.deliveryTimeout)
        let store = ObservedMessageStore()
        let conversation = Self.draft(0, to: 1).conversationID
        try await Self.withPipeline(configuration, store: store, events: MemoryEventBus(), backlog: backlog) { pipeline, _ in
            try await Self.persisterReads(pipeline, store: store.inner)
            await store.failAppends(Int.max)
            var acknowledged = 1
            var refused: MessageDraft?
            for n in 1...200 {
                let draft = Self.draft(n, to: 1)
                do {
                    _ = try await pipeline.submit(draft, origin: nil)
                    acknowledged += 1
                } catch let error as ChatError where error.code == .unavailable {
                    refused = draft
                    break
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            let held = try #require(refused, "200 sends were acknowledged while nothing was stored")
            #expect(acknowledged > 5 && acknowledged < 100)
            await store.failAppends(0)
            // The persister catches up (its next retry of the store may be seconds away: it backs off while the store
            // fails), and a send goes through again, sent again while it is refused, as a client does.
            let sentAgain = try await Self.eventually(within: .seconds(40)) {
                do {
                    _ = try await pipeline.submit(Self.draft(1_000, to: 1), origin: nil)
                    return true
                } catch let error as ChatError where error.code == .unavailable {
                    return false
                }
            }
            #expect(sentAgain)
            let expected = acknowledged + 1
            let everyAcknowledged = try await Self.eventually(within: .seconds(30)) {
                await store.inner.page(of: conversation, MessagePageRequest(limit: 500)).messages.count == expected
            }
            #expect(everyAcknowledged)
            #expect(await store.inner.message(id: held.id) == nil)
        }
    }

    /// Sends message 0 of `draft(_:to: 1)` and waits until it is stored: the persister has joined its group and knows
    /// its position in the conversation's partition, so it can tell how far behind it is.
    static func persisterReads(_ pipeline: KafkaMessagePipeline, store: MemoryMessageStore) async throws {
        let first = Self.draft(0, to: 1)
        _ = try await pipeline.submit(first, origin: nil)
        #expect(try await Self.eventually(within: .seconds(40)) { await store.message(id: first.id) != nil })
    }

    /// With no broker to acknowledge it, a send fails as unavailable once the delivery timeout passes: never a hang,
    /// never a false acknowledgement.
    @Test func aSendWithoutBrokersFailsWithinTheDeliveryTimeout() async throws {
        guard TestBroker.brokers() != nil else { return }
        var configuration = KafkaConfiguration(brokers: "127.0.0.1:1", topic: "nowhere", deliveryTimeout: .seconds(1))
        configuration.properties["reconnect.backoff.max.ms"] = "100"
        let started = ContinuousClock.now
        try await Self.withPipeline(configuration, store: MemoryMessageStore(), events: MemoryEventBus(), persist: false) { pipeline, _ in
            await Fixtures.expectChatError(.unavailable) { try await pipeline.submit(Self.draft(1, to: 1), origin: nil) }
        }
        #expect(started.duration(to: .now) < .seconds(30))
    }

    /// A producer stopped while records wait for brokers that do not answer (the delivery timeout still far off)
    /// fails those sends once its flush at shutdown ends: no send waits forever for a delivery report.
    @Test func stoppingFailsTheSendsStillInFlight() async throws {
        guard TestBroker.brokers() != nil else { return }
        var configuration = KafkaConfiguration(brokers: "127.0.0.1:1", topic: "nowhere", deliveryTimeout: .seconds(300))
        configuration.properties["reconnect.backoff.max.ms"] = "100"
        let producer = try KafkaProducer(configuration: configuration, logger: Self.logger, shutdownFlushTimeout: .milliseconds(500))
        let running = Task { try await producer.run() }
        // The producer stops 300 ms after the send, with the brokers still silent.
        let stopping = Task {
            try await Task.sleep(for: .milliseconds(300))
            running.cancel()
            try await running.value
        }
        let started = ContinuousClock.now
        let outcome: Result<Void, any Error>? = await valueWithin(.seconds(20)) {
            do {
                try await producer.produce(key: "k", value: Array("v".utf8))
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try await stopping.value
        switch outcome {
        case .failure(let error):
            #expect(error is KafkaError, "\(error)")
            #expect(started.duration(to: .now) < .seconds(20))
        case .success:
            Issue.record("a send with no broker was acknowledged")
        case nil:
            Issue.record("the send still waits 20 s after the producer stopped")
        }
    }

    @Test func unknownPropertiesAreRefused() throws {
        var configuration = KafkaConfiguration(brokers: "127.0.0.1:9092")
        configuration.properties["no.such.property"] = "1"
        #expect(throws: KafkaError.self) { try KafkaProducer(configuration: configuration, logger: Self.logger) }
    }
}
#else
struct KafkaTraitTests {
    /// CI builds with `--traits Kafka`; a build without it would skip every Kafka test, so it fails there.
    @Test func builtWithTheKafkaTrait() {
        _ = TestBroker.brokers()
    }
}
#endif

/// Keeps every log line, for tests that check what was logged.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[(Logger.Level, String)]>([])

    var all: [(Logger.Level, String)] { lines.withLock { $0 } }

    func logger() -> Logger {
        Logger(label: "test") { _ in Handler(logs: self) }
    }

    struct Handler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            logs.lines.withLock { $0.append((event.level, "\(event.message)")) }
        }
    }
}

#if Kafka
struct KafkaLoggingTests {
    /// librdkafka's own log lines (here a warning about a consumer property given to a producer) reach swift-log.
    @Test func librdkafkaLogsThroughSwiftLog() throws {
        let logs = CapturedLogs()
        var configuration = KafkaConfiguration(brokers: "127.0.0.1:1")
        configuration.properties["session.timeout.ms"] = "6000"
        _ = try KafkaProducer(configuration: configuration, logger: logs.logger())
        #expect(logs.all.contains { $0.0 == .warning && $0.1.contains("session.timeout.ms") })
    }
}
#endif
