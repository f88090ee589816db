#if Kafka
import ChatCore
import Logging
import NIOPosix
import ServiceLifecycle

/// Stores the messages of the Kafka topic: polls a batch, appends it to the `MessageStore` in one call (again and again
/// while the store fails), announces the messages it created, then commits the batch's offsets. Every node runs one, in
/// one consumer group, so each partition is stored by one node at a time.
///
/// Nothing is committed before it is stored, so a crash or a rebalance redelivers at most the last batch; `append` is
/// idempotent on ids, so a redelivered message is neither stored nor announced twice.
public struct KafkaMessagePersister: Service {
    private let configuration: KafkaConfiguration
    private let store: any MessageStore
    private let events: any EventBus
    private let clock: ChatClock
    private let logger: Logger

    public init(configuration: KafkaConfiguration, store: any MessageStore, events: any EventBus, clock: ChatClock = .system, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.events = events
        self.clock = clock
        self.logger = logger
    }

    /// Persists until graceful shutdown or cancellation; a batch being stored is finished (and committed) first.
    public func run() async throws {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let consumer: KafkaConsumer
        do {
            consumer = try await thread.runIfActive { [configuration, logger] in try KafkaConsumer(configuration: configuration, logger: logger) }
        } catch {
            try? await thread.shutdownGracefully()
            throw error
        }
        let stop = StopFlag()
        await stop.settingOnShutdown {
            while !stop.isSet {
                let (records, errors) =
                    (try? await thread.runIfActive { [maxBatchSize = configuration.maxBatchSize] in
                        consumer.poll(limit: maxBatchSize, timeoutMilliseconds: 100)
                    }) ?? ([], [])
                for error in errors { logger.warning("Kafka consumer error", metadata: ["error": "\(error)"]) }
                guard !records.isEmpty else { continue }
                guard await persist(records, until: stop) else { break }
                // In the background: the next poll need not wait for the broker.
                let committed = await thread.runEvenIfCancelled { Result { try consumer.commit(synchronously: false) } }
                if case .failure(let error) = committed {
                    // The next commit covers these offsets too; until then a restart redelivers them, harmlessly.
                    logger.warning("Kafka offset commit failed", metadata: ["error": "\(error)"])
                }
            }
        }
        // The last positions are committed before leaving the group, so the next owner starts after them.
        await thread.runEvenIfCancelled {
            do {
                try consumer.commit(synchronously: true)
            } catch {
                logger.warning("Kafka offset commit failed at shutdown", metadata: ["error": "\(error)"])
            }
            consumer.close()
        }
        try? await thread.shutdownGracefully()
    }

    /// Stores and announces the records' messages; false when it had to give up because the service is stopping.
    private func persist(_ records: [KafkaRecord], until stop: StopFlag) async -> Bool {
        let now = clock.now()
        var drafts: [MessageDraft] = []
        var origins: [String?] = []
        drafts.reserveCapacity(records.count)
        for record in records {
            do {
                let decoded = try KafkaMessageRecord.decode(record.value)
                var draft = decoded.message
                // The change feed orders by the time a change became visible: a message stored late is a late change.
                if draft.updatedAt < now { draft.updatedAt = now }
                drafts.append(draft)
                origins.append(decoded.origin)
            } catch {
                logger.error(
                    "skipping a Kafka record that is not a message",
                    metadata: ["kafka.partition": "\(record.partition)", "kafka.offset": "\(record.offset)", "error": "\(error)"]
                )
            }
        }
        guard !drafts.isEmpty else { return true }
        var delay = Duration.milliseconds(50)
        while true {
            do {
                let outcomes = try await store.append(drafts)
                for (outcome, origin) in zip(outcomes, origins) where outcome.created {
                    await events.announce(.messageCreated(outcome.message, origin: origin))
                }
                return true
            } catch {
                logger.error("storing Kafka messages failed; retrying", metadata: ["error": "\(error)", "kafka.records": "\(drafts.count)"])
                if stop.isSet { return false }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }
}
#endif
