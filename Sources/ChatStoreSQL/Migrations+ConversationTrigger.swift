/// Version 8, SQLite only: a trigger keeps the `conversations` row of each inserted message up to date, so an append is
/// one `INSERT` in autocommit (atomic with its trigger) instead of `BEGIN`, the insert, the upsert and `COMMIT`: four
/// round trips to SQLite's thread become one. PostgreSQL keeps the explicit upsert in the append transaction.
struct AddSQLiteConversationTrigger: SQLMigration {
    let version = 8
    let name = "add_sqlite_conversation_trigger"

    func statements(for flavor: SQLFlavor) -> [String] {
        guard flavor == .sqlite else { return [] }
        // Same rule as the explicit upsert: point the pair at its newest message by (created_at, id), never backwards.
        // min/max of two text values compare bytes (BINARY), the order `ConversationID` sorts the pair in.
        return [
            """
            CREATE TRIGGER messages_point_conversation AFTER INSERT ON messages
            BEGIN
                INSERT INTO conversations (id, user_low, user_high, last_message_id, last_message_at)
                VALUES (NEW.conversation_id, min(NEW.sender_id, NEW.receiver_id), max(NEW.sender_id, NEW.receiver_id),
                    NEW.id, NEW.created_at)
                ON CONFLICT (id) DO UPDATE SET last_message_id = excluded.last_message_id, last_message_at = excluded.last_message_at
                WHERE excluded.last_message_at > conversations.last_message_at
                    OR (excluded.last_message_at = conversations.last_message_at AND excluded.last_message_id > conversations.last_message_id);
            END
            """
        ]
    }
}
