/// Version 9: how far each recipient's read and delivered marks reach in each conversation, so that marking and counting
/// unread messages start from there instead of reading the conversation's whole history, and so that `messages` needs
/// no index of its own for unread messages.
///
/// Every message to `user_id` in the conversation at or before a marker's `(created_at, id)` has the mark (or is
/// deleted). Markers stay at least the sync settling window behind the time of the mark, so a message stored late with
/// an earlier timestamp (another node's clock, a slow commit) is still above the marker.
struct AddReceiptMarkers: SQLMigration {
    let version = 9
    let name = "add_receipt_markers"

    func statements(for flavor: SQLFlavor) -> [String] {
        let key = flavor.keyText
        let statements = [
            """
            CREATE TABLE receipt_markers (
                conversation_id \(key) NOT NULL, user_id \(key) NOT NULL,
                read_created_at BIGINT, read_id \(key), delivered_created_at BIGINT, delivered_id \(key),
                PRIMARY KEY (conversation_id, user_id))
            """,
            // Each message dirtied one more B-tree page for this index; unread counts now scan from the read marker.
            "DROP INDEX messages_unread",
        ]
        // MariaDB never had the index (version 4).
        return flavor == .mariadb ? Array(statements.dropLast()) : statements
    }
}
