/// Makes a message durable. Only when `submit` returns may the sender be told the message was accepted.
///
/// `direct` pipelines write to the `MessageStore` (batching concurrent submissions into one transaction); a `kafka`
/// pipeline produces to a durable log and persists asynchronously.
public protocol MessagePipeline: Sendable {
    func submit(_ draft: MessageDraft) async throws -> AppendOutcome
}
