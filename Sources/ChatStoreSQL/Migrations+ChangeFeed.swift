/// Version 6: the change feed behind sync. Every message carries `updated_at`, moved forward by edits, deletions and
/// receipts; per-user indexes on both friendship sides serve `changes(for:after:limit:)`. The two per-user message
/// indexes made here were replaced in version 10 by a per-conversation one.
struct AddChangeFeed: SQLMigration {
    let version = 6
    let name = "add_change_feed"

    func statements(for flavor: SQLFlavor) -> [String] {
        [
            "ALTER TABLE messages ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0",
            "UPDATE messages SET updated_at = created_at",
            "UPDATE messages SET updated_at = edited_at WHERE edited_at > updated_at",
            "UPDATE messages SET updated_at = deleted_at WHERE deleted_at > updated_at",
            "UPDATE messages SET updated_at = delivered_at WHERE delivered_at > updated_at",
            "UPDATE messages SET updated_at = read_at WHERE read_at > updated_at",
            "CREATE INDEX messages_sender_changes ON messages (sender_id, updated_at, id)",
            "CREATE INDEX messages_receiver_changes ON messages (receiver_id, updated_at, id)",
            "CREATE INDEX friends_requester_changes ON friends (user_id, updated_at, pair_key)",
            "CREATE INDEX friends_addressee_changes ON friends (friend_id, updated_at, pair_key)",
        ]
    }
}
