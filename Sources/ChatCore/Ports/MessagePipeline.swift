/// Makes a message durable. Only when `submit` returns may the sender be told the message was accepted.
///
/// `direct` pipelines write to the `MessageStore` (batching concurrent submissions into one transaction); a `kafka`
/// pipeline produces to a durable log and persists asynchronously.
public protocol MessagePipeline: Sendable {
    func submit(_ draft: MessageDraft, origin: String?) async throws -> AppendOutcome

    /// Whether the pipeline announces `messageCreated` itself once the message is stored (an asynchronous pipeline
    /// does, from its consumer); when false, `MessagingService` announces a created message as `submit` returns.
    var announcesCreatedMessages: Bool { get }
}

extension MessagePipeline {
    public var announcesCreatedMessages: Bool { false }

    public func submit(_ draft: MessageDraft) async throws -> AppendOutcome {
        try await submit(draft, origin: nil)
    }
}
