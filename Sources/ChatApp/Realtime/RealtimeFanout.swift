import ChatAuth
import ChatCore
import Logging
import ServiceLifecycle
import SocketIO

/// Delivers domain events from the `EventBus` to this node's sockets. Every node runs one; each emits only to its own
/// sockets (`local`), so an event published once reaches every device exactly once however many nodes there are.
struct RealtimeFanout: Service {
    let bus: any EventBus
    let namespace: SocketIONamespace
    /// Told of every friendship change, so its cached messaging permissions follow changes made on other nodes.
    let friends: FriendshipService
    /// Signs the file links of v1 payloads.
    let fileLinks: FileLinkSigner
    /// Told of every deleted message, to remove the bytes of deleted files.
    let fileCleanup: FileCleanup
    let logger: Logger

    func run() async throws {
        let events = await bus.subscribe()
        await cancelWhenGracefulShutdown {
            for await event in events { await deliver(event) }
        }
    }

    func deliver(_ event: DomainEvent) async {
        let local = namespace.local
        func room(_ user: UserID) -> String { ChatRealtime.room(user) }
        switch event {
        case .messageCreated(let message, let origin):
            // One emit to the recipient's devices and the sender's others (not the socket that sent it, which has
            // its ack): one packet encoded and one record in the recovery log instead of two.
            var receivers = local.to([room(message.recipientID), room(message.senderID)])
            if let origin { receivers = receivers.except(origin) }
            await receivers.emit("receive_message", arguments: [RealtimePayload.message(message, links: fileLinks)])
            await local.to(room(message.recipientID)).emit(
                "receive_notification",
                arguments: [RealtimePayload.notification(message, links: fileLinks)]
            )
        case .messageUpdated(let message):
            await local.to([room(message.senderID), room(message.recipientID)]).emit(
                "message_updated",
                arguments: [RealtimePayload.message(message, links: fileLinks)]
            )
        case .messageDeleted(let message):
            fileCleanup.messageDeleted(message)
            await local.to([room(message.senderID), room(message.recipientID)]).emit(
                "message_deleted",
                arguments: [RealtimePayload.message(message, links: fileLinks)]
            )
        case .messagesDelivered(let conversation, let recipient, let sender, let upTo, let time):
            let payload = RealtimePayload.receipt(conversation: conversation, by: recipient, upTo: upTo, at: time)
            await local.to([room(sender), room(recipient)]).emit("message_delivered", arguments: [payload])
        case .messagesRead(let conversation, let reader, let sender, let upTo, let time):
            let payload = RealtimePayload.receipt(conversation: conversation, by: reader, upTo: upTo, at: time)
            await local.to([room(sender), room(reader)]).emit("message_read", arguments: [payload])
        case .friendRequest(let friendship):
            await emitFriendship("friend_request", friendship)
        case .friendRequestAccepted(let friendship):
            await emitFriendship("friend_request_accepted", friendship)
        case .friendRequestRejected(let friendship):
            await emitFriendship("friend_request_rejected", friendship)
        case .friendRequestCancelled(let friendship):
            await emitFriendship("friend_request_cancelled", friendship)
        case .friendRemoved(let friendship):
            await emitFriendship("friend_removed", friendship)
        case .userUpdated:
            break
        case .typing(let from, let to, let isTyping):
            await local.to(room(to)).emit("typing", arguments: [["userId": .string(from.rawValue), "isTyping": .bool(isTyping)]])
        case .presenceChanged(let presence, let friends):
            await local.to(friends.map(room)).emit("presence", arguments: [RealtimePayload.presence(presence)])
        }
    }

    /// Each side gets the friendship as seen from itself.
    private func emitFriendship(_ name: String, _ friendship: Friendship) async {
        friends.forgetPermission(of: friendship)
        for user in [friendship.requester, friendship.addressee] {
            await namespace.local.to(ChatRealtime.room(user)).emit(name, arguments: [RealtimePayload.friendship(friendship, for: user)])
        }
    }
}
