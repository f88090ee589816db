/// Something that happened in the domain that other devices should learn about in real time.
public enum DomainEvent: Hashable, Sendable, Codable {
    /// A new message; `origin` is the connection it was sent from, which already has it (its ack), so the sender's
    /// other devices get it and that one does not.
    case messageCreated(Message, origin: String?)
    case messageUpdated(Message)
    case messageDeleted(Message)
    case messagesDelivered(conversation: ConversationID, recipient: UserID, sender: UserID, upTo: MessageCursor, at: Timestamp)
    case messagesRead(conversation: ConversationID, reader: UserID, sender: UserID, upTo: MessageCursor, at: Timestamp)
    case friendRequest(Friendship)
    case friendRequestAccepted(Friendship)
    case friendRequestRejected(Friendship)
    case friendRequestCancelled(Friendship)
    case friendRemoved(Friendship)
    case userUpdated(User)
    /// Ephemeral: `from` is typing to `to`.
    case typing(from: UserID, to: UserID, isTyping: Bool)
    /// Ephemeral: a user came online or went offline; `friends` are told.
    case presenceChanged(Presence, friends: [UserID])

    /// The users whose devices should receive the event.
    public var audience: [UserID] {
        switch self {
        case .messageCreated(let message, _), .messageUpdated(let message), .messageDeleted(let message):
            return [message.senderID, message.recipientID]
        case .messagesDelivered(_, let recipient, let sender, _, _):
            return [recipient, sender]
        case .messagesRead(_, let reader, let sender, _, _):
            return [reader, sender]
        case .friendRequest(let friendship), .friendRequestAccepted(let friendship), .friendRequestRejected(let friendship),
            .friendRequestCancelled(let friendship), .friendRemoved(let friendship):
            return [friendship.requester, friendship.addressee]
        case .userUpdated(let user):
            return [user.id]
        case .typing(_, let to, _):
            return [to]
        case .presenceChanged(_, let friends):
            return friends
        }
    }
}
