#if Kafka
import ChatCore

/// The Kafka `MessagePipeline`: a message is durable once the brokers acknowledged its record (all in-sync replicas,
/// idempotent producer), and `submit` returns then, before the message is stored. `KafkaMessagePersister` stores it
/// from the topic and announces it, so `announcesCreatedMessages` is true.
///
/// A retried send (same sender and `clientMessageID`) resolves to the first: from what this node sent lately, else from
/// the store (one query for the keys of many concurrent sends); only then is a new record produced. Records are keyed by conversation, so a conversation's messages keep
/// their order in one partition.
///
/// With a ``KafkaBacklog``, a new record waits while this node's persister is too far behind (see there).
public final class KafkaMessagePipeline: MessagePipeline {
    private let producer: KafkaProducer
    private let recordFormat: KafkaRecordFormat
    private let backlog: KafkaBacklog?
    private let recent = RecentSends()
    /// Retry checks against the store, many sends' keys per query.
    private let lookups: GroupCommit<ClientMessageKey, Message?>

    public var announcesCreatedMessages: Bool { true }

    public init(producer: KafkaProducer, store: any MessageStore, recordFormat: KafkaRecordFormat = .binary, backlog: KafkaBacklog? = nil) {
        self.producer = producer
        self.recordFormat = recordFormat
        self.backlog = backlog
        self.lookups = GroupCommit(maxBatchSize: 256) { keys in
            let found = try await store.messages(sentWith: keys)
            var byKey: [ClientMessageKey: Message] = [:]
            for message in found {
                if let clientMessageID = message.clientMessageID {
                    byKey[ClientMessageKey(sender: message.senderID, clientMessageID: clientMessageID)] = message
                }
            }
            return keys.map { byKey[$0] }
        }
    }

    public func submit(_ draft: MessageDraft, origin: String?) async throws -> AppendOutcome {
        guard let clientMessageID = draft.clientMessageID else {
            try await produce(draft, origin: origin)
            return AppendOutcome(message: draft, created: true)
        }
        let key = "\(draft.senderID.rawValue)\u{0}\(clientMessageID)"
        switch recent.claim(key) {
        case .sent(let message):
            return AppendOutcome(message: message, created: false)
        case .busy:
            guard let message = await recent.wait(for: key) else {
                throw ChatError(.unavailable, "an earlier send with this clientMessageId failed; send it again")
            }
            return AppendOutcome(message: message, created: false)
        case .claimed:
            do {
                if let stored = try await lookups.submit(ClientMessageKey(sender: draft.senderID, clientMessageID: clientMessageID)) {
                    recent.finish(key, with: stored)
                    return AppendOutcome(message: stored, created: false)
                }
                try await produce(draft, origin: origin)
                recent.finish(key, with: draft)
                return AppendOutcome(message: draft, created: true)
            } catch {
                recent.finish(key, with: nil)
                throw error
            }
        }
    }

    private func produce(_ draft: MessageDraft, origin: String?) async throws {
        try await backlog?.admit()
        let value = try KafkaMessageRecord(message: draft, origin: origin).encoded(as: recordFormat)
        do {
            try await producer.produce(key: draft.conversationID.rawValue, value: value)
        } catch let error as KafkaError {
            throw ChatError(.unavailable, "the message log did not take the message: \(error.message)")
        }
    }
}
#endif
