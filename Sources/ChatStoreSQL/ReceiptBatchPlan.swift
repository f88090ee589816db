import ChatCore

/// A batch of read and delivered marks as a few set-based statements: for each phase, one `UPDATE` of the messages
/// each kind of mark reaches, then one marker upsert per kind for the whole batch.
///
/// The result is the same as applying the marks one after the other. Each mark reaches the recipient's messages after
/// the furthest point an earlier mark of its kind in the batch (or the stored marker) reached, so the ranges of one
/// recipient, conversation and kind never overlap and every changed row belongs to exactly one mark. A read mark also
/// sets missing delivered times, so a delivered mark that follows a read mark of the same recipient and conversation
/// starts a new phase: within a phase the delivered `UPDATE` runs first.
struct ReceiptBatchPlan: Sendable {
    /// A recipient in a conversation.
    struct Key: Hashable, Sendable {
        var conversation: ConversationID
        var recipient: UserID
    }

    /// The messages one mark changes: the recipient's, after `lower` and at or before `upper`, stamped with `time`.
    struct Range: Sendable {
        var key: Key
        var lower: MessageCursor
        var upper: MessageCursor
        var time: Timestamp
        /// The mark's index in the batch.
        var mark: Int
    }

    /// Ranges whose `UPDATE`s may run together: delivered first, then read.
    struct Phase: Sendable {
        var delivered: [Range] = []
        var read: [Range] = []
        /// The recipients and conversations that have a read range in this phase.
        fileprivate var readKeys: Set<Key> = []

        func ranges(_ kind: ReceiptMark.Kind) -> [Range] {
            switch kind {
            case .delivered: delivered
            case .read: read
            }
        }
    }

    /// The stored markers of one recipient in one conversation.
    struct Markers: Sendable {
        var read: MessageCursor?
        var delivered: MessageCursor?

        subscript(kind: ReceiptMark.Kind) -> MessageCursor? {
            get {
                switch kind {
                case .read: read
                case .delivered: delivered
                }
            }
            set {
                switch kind {
                case .read: read = newValue
                case .delivered: delivered = newValue
                }
            }
        }
    }

    private(set) var phases: [Phase] = []
    /// The markers to move forward, by kind: never backwards, and only past the settling window.
    private(set) var markerMoves: [ReceiptMark.Kind: [Key: MessageCursor]] = [:]

    /// - Parameters:
    ///   - marks: the batch, in order.
    ///   - markers: the stored markers of the batch's recipients and conversations (missing: none yet).
    ///   - lagMilliseconds: how far behind a mark's time its marker stays.
    init(_ marks: [ReceiptMark], markers: [Key: Markers], lagMilliseconds: Int64) {
        var reached: [Key: Markers] = markers
        var phase = Phase()
        for (index, mark) in marks.enumerated() {
            let key = Key(conversation: mark.conversation, recipient: mark.recipient)
            let settled = MessageCursor(createdAt: mark.time.adding(milliseconds: -lagMilliseconds), id: MessageID(""))
            let marker = min(mark.upTo, settled)
            let current = markerMoves[mark.kind]?[key] ?? markers[key]?[mark.kind]
            if current.map({ $0 < marker }) ?? true { markerMoves[mark.kind, default: [:]][key] = marker }
            let lower = reached[key]?[mark.kind] ?? MessageCursor(createdAt: Timestamp(milliseconds: Int64.min), id: MessageID(""))
            guard lower < mark.upTo else { continue }
            if mark.kind == .delivered, phase.readKeys.contains(key) {
                phases.append(phase)
                phase = Phase()
            }
            let range = Range(key: key, lower: lower, upper: mark.upTo, time: mark.time, mark: index)
            switch mark.kind {
            case .delivered:
                phase.delivered.append(range)
            case .read:
                phase.read.append(range)
                phase.readKeys.insert(key)
            }
            reached[key, default: Markers()][mark.kind] = mark.upTo
        }
        if !phase.delivered.isEmpty || !phase.read.isEmpty { phases.append(phase) }
    }

    /// Adds the rows an `UPDATE` of `ranges` changed to the counts of the marks they belong to.
    static func attribute(_ rows: [(key: Key, cursor: MessageCursor)], to ranges: [Range], counts: inout [Int]) {
        var byKey: [Key: [Range]] = [:]
        for range in ranges { byKey[range.key, default: []].append(range) }
        for row in rows {
            // A key's ranges are in ascending order and do not overlap: at most one holds the row.
            guard let range = byKey[row.key]?.first(where: { $0.lower < row.cursor && row.cursor <= $0.upper }) else { continue }
            counts[range.mark] += 1
        }
    }
}
