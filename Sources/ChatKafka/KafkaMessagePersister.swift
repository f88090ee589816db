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
///
/// With a ``KafkaBacklog``, it reports every `sampleInterval` how many records of its partitions it has not stored, so
/// that the node's sends wait while it is too far behind.
public struct KafkaMessagePersister: Service {
    private let configuration: KafkaConfiguration
    private let store: any MessageStore
    private let events: any EventBus
    private let backlog: KafkaBacklog?
    private let clock: ChatClock
    private let logger: Logger
    static let sampleInterval = Duration.milliseconds(25)

    public init(
        configuration: KafkaConfiguration,
        store: any MessageStore,
        events: any EventBus,
        backlog: KafkaBacklog? = nil,
        clock: ChatClock = .system,
        logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.events = events
        self.backlog = backlog
        self.clock = clock
        self.logger = logger
    }

    /// Persists until graceful shutdown or cancellation; a batch being stored is finished (and committed) first. Throws
    /// ``KafkaRecordFromNewerVersion`` when a record is of a layout this node cannot read: it then leaves the group
    /// without committing that batch, so a node that can read it stores it, and the service's end stops this node.
    public func run() async throws {
        // One thread polls and commits; the second, with a backlog, samples how far behind the persister is.
        let thread = NIOThreadPool(numberOfThreads: backlog == nil ? 1 : 2)
        thread.start()
        let consumer: KafkaConsumer
        do {
            consumer = try await thread.runIfActive { [configuration, logger] in try KafkaConsumer(configuration: configuration, logger: logger) }
        } catch {
            try? await thread.shutdownGracefully()
            throw error
        }
        let stop = StopFlag()
        var ending = Ending.stopped
        await stop.settingOnShutdown {
            await withDiscardingTaskGroup { group in
                if let backlog {
                    group.addTask { await Self.sample(consumer, on: thread, into: backlog, until: stop, logger: logger) }
                }
                ending = await consume(consumer, on: thread, until: stop)
                // Ends the sampling too.
                stop.set()
            }
        }
        backlog?.close()
        // The last positions are committed before leaving the group, so the next owner starts after them; but not past
        // a batch that was not stored (the store kept failing, or a record was unreadable): the next owner gets it.
        let commitLast = if case .stopped = ending { true } else { false }
        await thread.runEvenIfCancelled {
            do {
                if commitLast { try consumer.commit(synchronously: true) }
            } catch {
                logger.warning("Kafka offset commit failed at shutdown", metadata: ["error": "\(error)"])
            }
            consumer.close()
        }
        try? await thread.shutdownGracefully()
        if case .unreadable(let error) = ending { throw error }
    }

    private enum Ending {
        /// Every polled batch was stored, so the consumer's positions may be committed.
        case stopped
        /// The store kept failing when the service stopped: the last batch was not stored.
        case storeFailing
        /// Nothing of the last batch was stored: a record is of a newer layout.
        case unreadable(KafkaRecordFromNewerVersion)
    }

    /// Polls, stores and commits batches until `stop` is set, the store fails while stopping, or a record is unreadable.
    private func consume(_ consumer: KafkaConsumer, on thread: NIOThreadPool, until stop: StopFlag) async -> Ending {
        while !stop.isSet {
            let (records, errors) =
                (try? await thread.runIfActive { [maxBatchSize = configuration.maxBatchSize] in
                    consumer.poll(limit: maxBatchSize, timeoutMilliseconds: 100)
                }) ?? ([], [])
            for error in errors { logger.warning("Kafka consumer error", metadata: ["error": "\(error)"]) }
            guard !records.isEmpty else { continue }
            backlog?.storing(records.count)
            defer { backlog?.storing(0) }
            switch await persist(records, until: stop) {
            case .stored:
                break
            case .stopping:
                return .storeFailing
            case .unreadable(let error):
                logger.critical("stopping: a Kafka record is newer than this node can read", metadata: ["error": "\(error)"])
                return .unreadable(error)
            }
            // In the background: the next poll need not wait for the broker.
            let committed = await thread.runEvenIfCancelled { Result { try consumer.commit(synchronously: false) } }
            if case .failure(let error) = committed {
                // The next commit covers these offsets too; until then a restart redelivers them, harmlessly.
                logger.warning("Kafka offset commit failed", metadata: ["error": "\(error)"])
            }
        }
        return .stopped
    }

    /// Reports the unstored records to `backlog` until `stop` is set. Logs when it starts holding sends (at most once
    /// every 10 s: under a steady overload it holds and releases them with every batch) and when it stops.
    private static func sample(
        _ consumer: KafkaConsumer,
        on thread: NIOThreadPool,
        into backlog: KafkaBacklog,
        until stop: StopFlag,
        logger: Logger
    ) async {
        var lastWarning: ContinuousClock.Instant?
        while !stop.isSet {
            if let unread = try? await thread.runIfActive({ consumer.unread() }) {
                let wasHolding = backlog.isHolding
                backlog.update(unread: unread)
                if backlog.isHolding, !wasHolding, lastWarning.map({ $0.duration(to: .now) >= .seconds(10) }) ?? true {
                    lastWarning = .now
                    logger.warning(
                        "holding new sends: the persister is behind",
                        metadata: ["kafka.unstored": "\(backlog.unstored)", "kafka.max_unstored": "\(backlog.limit)"]
                    )
                }
            }
            try? await Task.sleep(for: sampleInterval)
        }
    }

    private enum PersistResult {
        case stored
        /// The store kept failing and the service is stopping.
        case stopping
        /// Nothing of the batch was stored: a record is of a newer layout.
        case unreadable(KafkaRecordFromNewerVersion)
    }

    /// Stores and announces the records' messages, skipping records that are not messages at all.
    private func persist(_ records: [KafkaRecord], until stop: StopFlag) async -> PersistResult {
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
            } catch let error as KafkaRecordFromNewerVersion {
                return .unreadable(error)
            } catch {
                logger.error(
                    "skipping a Kafka record that is not a message",
                    metadata: ["kafka.partition": "\(record.partition)", "kafka.offset": "\(record.offset)", "error": "\(error)"]
                )
            }
        }
        guard !drafts.isEmpty else { return .stored }
        var delay = Duration.milliseconds(50)
        while true {
            do {
                let outcomes = try await store.append(drafts)
                for (outcome, origin) in zip(outcomes, origins) where outcome.created {
                    await events.announce(.messageCreated(outcome.message, origin: origin))
                }
                return .stored
            } catch {
                logger.error("storing Kafka messages failed; retrying", metadata: ["error": "\(error)", "kafka.records": "\(drafts.count)"])
                if stop.isSet { return .stopping }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }
}
#endif
