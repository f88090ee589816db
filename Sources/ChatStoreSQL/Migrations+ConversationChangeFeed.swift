/// Version 10: the message change feed is read per conversation (`SQLMessageStore+ChangeFeed.swift`), so `messages`
/// loses its two per-user change indexes. Each of them dirtied one more B-tree page for every stored message and every
/// receipt. Their replacement indexes only the messages that changed after they were stored; messages that did not are
/// found through the history index. MariaDB has no partial indexes, so there it indexes every message.
struct AddConversationChangeFeed: SQLMigration {
    let version = 10
    let name = "add_conversation_change_feed"

    func statements(for flavor: SQLFlavor) -> [String] {
        let columns = "messages (conversation_id, updated_at, id)"
        switch flavor {
        case .sqlite, .postgres:
            return [
                "CREATE INDEX messages_changed ON \(columns) WHERE updated_at <> created_at",
                "DROP INDEX messages_sender_changes",
                "DROP INDEX messages_receiver_changes",
            ]
        case .mariadb:
            return [
                "CREATE INDEX messages_changed ON \(columns)",
                "DROP INDEX messages_sender_changes ON messages",
                "DROP INDEX messages_receiver_changes ON messages",
            ]
        }
    }
}
