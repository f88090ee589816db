/// Version 7: file messages. A message carries its attachment as JSON in `attachment` (null for text), so reading a
/// conversation needs no join; `files` gains the image dimensions.
struct AddMessageAttachment: SQLMigration {
    let version = 7
    let name = "add_message_attachment"

    func statements(for flavor: SQLFlavor) -> [String] {
        [
            "ALTER TABLE messages ADD COLUMN attachment TEXT",
            "ALTER TABLE files ADD COLUMN width BIGINT",
            "ALTER TABLE files ADD COLUMN height BIGINT",
        ]
    }
}
