import ChatAuth
import ChatCore
import Logging
import SocketIO

/// The chat's Socket.IO namespace: authenticates connections with the same `IdentityVerifier` as the HTTP API, puts
/// each socket in its user's room, answers client events with acks, and tracks presence.
struct ChatRealtime: Sendable {
    struct Limits: Sendable {
        var maxSocketsPerUser: Int
        var syncPageSize: Int
    }

    let namespace: SocketIONamespace
    let sessions: SocketSessions
    let verifier: any IdentityVerifier
    let users: UserService
    let friends: FriendshipService
    let messaging: MessagingService
    let sync: SyncService
    let presence: any PresenceStore
    let events: any EventBus
    /// Signs the file links of v1 payloads.
    let fileLinks: FileLinkSigner
    let nodeID: String
    let limits: Limits
    let metrics: ChatMetrics
    let logger: Logger

    static func room(_ user: UserID) -> String { "user:\(user.rawValue)" }

    /// Installs the middleware and handlers on the namespace.
    func install() {
        let realtime = self
        namespace.use { socket in try await realtime.authenticate(socket) }
        namespace.onConnect { socket in await realtime.connected(socket) }
        namespace.onDisconnect { socket, reason in await realtime.disconnected(socket, reason: reason) }
        for (event, handler) in Self.eventHandlers {
            let counted = metrics.event(event)
            namespace.on(event) { socket, arguments, ack in
                let (reply, failure) = await realtime.answer(handler, event: event, socket: socket, arguments: arguments)
                counted.answered(error: failure)
                ack.reply([reply])
            }
        }
        installReceipts()
    }

    /// The ack of one client event, and the code of its error if it failed.
    private func answer(
        _ handler: EventHandler,
        event: String,
        socket: SocketIOSocket,
        arguments: [JSONValue]
    ) async -> (reply: JSONValue, failure: ChatError.Code?) {
        guard let user = sessions.user(of: socket.id) else { return Self.refusal(.unauthenticated("not connected")) }
        guard sessions.allowEvent(socket.id) else { return Self.refusal(ChatError(.rateLimited, "too many events; slow down")) }
        do {
            return (try await handler(self)(RealtimeRequest(socket: socket, user: user, arguments: arguments)), nil)
        } catch let error as ChatError {
            return Self.refusal(error)
        } catch {
            logger.error("socket event failed", metadata: ["sio.event": "\(event)", "error": "\(error)"])
            return Self.refusal(ChatError(.internalError, "internal error"))
        }
    }

    private static func refusal(_ error: ChatError) -> (reply: JSONValue, failure: ChatError.Code?) {
        (RealtimePayload.failure(error), error.code)
    }

    /// CONNECT middleware: `auth.token` must verify, the user must exist, and the user must have a free socket slot.
    private func authenticate(_ socket: SocketIOSocket) async throws {
        do {
            try await admit(socket)
        } catch let error as SocketIOConnectError {
            metrics.connectionRefused(error.data?["code"]?.stringValue ?? "unauthenticated")
            throw error
        }
    }

    private func admit(_ socket: SocketIOSocket) async throws {
        guard let token = socket.handshake.auth["token"]?.stringValue, !token.isEmpty, token.utf8.count <= 16 * 1024 else {
            throw SocketIOConnectError("Authentication error")
        }
        let identity: VerifiedIdentity
        do {
            identity = try await verifier.verify(bearerToken: token)
            guard try await users.userIfExists(identity.userID) != nil else { throw ChatError.unauthenticated("unknown user") }
        } catch let error as ChatError where error.code == .unavailable {
            throw SocketIOConnectError("Authentication error", data: ["code": "unavailable"])
        } catch {
            throw SocketIOConnectError("Authentication error")
        }
        guard sessions.count(of: identity.userID) < limits.maxSocketsPerUser else {
            throw SocketIOConnectError("Too many connections", data: ["code": "too_many_connections"])
        }
        // The slot is taken on connect: a connection can still close between here and there, and only a connected
        // socket is sure to get the disconnect that frees it.
        var data: JSONObject = ["userId": .string(identity.userID.rawValue)]
        if let expiresAt = identity.expiresAt { data["expiresAt"] = .number(Double(expiresAt.milliseconds)) }
        socket.data = .object(data)
    }

    private func connected(_ socket: SocketIOSocket) async {
        guard let id = socket.data["userId"]?.stringValue,
            sessions.register(socket.id, user: UserID(id), limit: limits.maxSocketsPerUser)
        else {
            socket.disconnect()
            return
        }
        metrics.socketConnections.increment()
        metrics.connectedSockets.increment()
        let user = UserID(id)
        await socket.join(Self.room(user))
        do {
            let cameOnline = try await presence.socketConnected(user, node: nodeID, at: .now())
            // One read of the friend list serves both directions.
            let friends = try await friendIDs(of: user)
            guard !friends.isEmpty else { return }
            if cameOnline { await events.announce(.presenceChanged(Presence(userID: user, online: true, lastSeen: nil), friends: friends)) }
            try await sendFriendsPresence(to: socket, friends: friends)
        } catch {
            logger.warning("presence update failed", metadata: ["chat.user.id": "\(user)", "error": "\(error)"])
        }
    }

    private func disconnected(_ socket: SocketIOSocket, reason: String) async {
        guard let user = sessions.user(of: socket.id) else { return }
        sessions.remove(socket.id)
        metrics.disconnected(reason: reason)
        do {
            let now = Timestamp.now()
            if try await presence.socketDisconnected(user, node: nodeID, at: now) {
                await announce(Presence(userID: user, online: false, lastSeen: now))
            }
        } catch {
            logger.warning("presence update failed", metadata: ["chat.user.id": "\(user)", "error": "\(error)"])
        }
    }

    /// Tells the user's friends (on every node, through the event bus) that the user's presence changed.
    func announce(_ change: Presence) async {
        do {
            let friends = try await friendIDs(of: change.userID)
            guard !friends.isEmpty else { return }
            await events.announce(.presenceChanged(change, friends: friends))
        } catch {
            logger.warning("presence broadcast failed", metadata: ["chat.user.id": "\(change.userID)", "error": "\(error)"])
        }
    }

    /// On connect, the new socket learns which friends are online.
    private func sendFriendsPresence(to socket: SocketIOSocket, friends: [UserID]) async throws {
        for state in try await presence.presence(of: friends) where state.online {
            _ = socket.emit("presence", arguments: [RealtimePayload.presence(state)])
        }
    }

    /// Every friend of `user`, paged through the store.
    private func friendIDs(of user: UserID) async throws -> [UserID] {
        var ids: [UserID] = []
        var cursor: FriendshipCursor?
        repeat {
            let page = try await friends.friends(of: user, after: cursor, limit: 1000)
            ids += page.map { $0.peer(of: user) }
            cursor = page.count == 1000 ? page.last.map(FriendshipCursor.init) : nil
        } while cursor != nil
        return ids
    }
}

/// What an event handler gets: the socket, its verified user, and the event's arguments.
struct RealtimeRequest {
    let socket: SocketIOSocket
    let user: UserID
    let arguments: [JSONValue]

    /// The first argument as an object, or a 400-style error.
    func payload() throws -> JSONObject {
        guard let object = arguments.first?.objectValue else { throw ChatError.invalidRequest("the event payload must be an object") }
        return object
    }
}

extension JSONObject {
    func string(_ key: String, required: Bool = true, maxBytes: Int = 64 * 1024) throws -> String? {
        switch self[key] {
        case .string(let value)?:
            guard value.utf8.count <= maxBytes else { throw ChatError(.payloadTooLarge, "'\(key)' is too long", field: key) }
            return value
        case nil, .null?:
            if required { throw ChatError.invalidRequest("missing field '\(key)'", field: key) }
            return nil
        default:
            throw ChatError.invalidRequest("field '\(key)' must be a string", field: key)
        }
    }

    func requiredString(_ key: String, maxBytes: Int = 64 * 1024) throws -> String {
        guard let value = try string(key, required: true, maxBytes: maxBytes) else {
            throw ChatError.invalidRequest("missing field '\(key)'", field: key)
        }
        return value
    }
}
