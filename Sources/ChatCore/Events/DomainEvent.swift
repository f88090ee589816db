/// Something that happened in the domain that other devices should learn about in real time.
public enum DomainEvent: Hashable, Sendable, Codable {
    case messageCreated(Message)
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

    /// The users whose devices should receive the event.
    public var audience: [UserID] {
        switch self {
        case .messageCreated(let message), .messageUpdated(let message), .messageDeleted(let message):
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
        }
    }
}
