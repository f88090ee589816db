import ChatCore
import SocketIO

extension ChatRealtime {
    /// Disconnects this node's sockets whose token has expired, and returns how many.
    ///
    /// A token is verified once, at CONNECT; without this sweep a socket would outlive its credentials (a revoked
    /// Firebase session, an access token past its lifetime). Each such socket first gets `session_expired`
    /// `{expiredAt}` so the client knows to reconnect with a fresh token, then a server-side disconnect. The sweep runs
    /// with the presence heartbeat, so a socket outlives its token by at most one heartbeat interval.
    @discardableResult
    func disconnectExpiredSockets(at now: Timestamp) -> Int {
        var expired = 0
        for socket in namespace.localSockets {
            guard let milliseconds = socket.data["expiresAt"]?.doubleValue, Int64(milliseconds) <= now.milliseconds else {
                continue
            }
            let expiredAt = Timestamp(milliseconds: Int64(milliseconds))
            _ = socket.emit("session_expired", ["expiredAt": .string(expiredAt.iso8601)])
            socket.disconnect()
            expired += 1
            logger.info(
                "socket token expired; disconnected",
                metadata: ["sio.sid": "\(socket.id)", "chat.user.id": "\(socket.data["userId"]?.stringValue ?? "")"]
            )
        }
        return expired
    }
}
