/// Every migration, in order. Append new ones; never edit an applied one.
enum SQLMigrations {
    static let all: [any SQLMigration] = [
        CreateUsers(), CreateRefreshTokens(), CreateFriendships(), CreateMessages(), CreateFiles(), AddChangeFeed(),
        AddMessageAttachment(), AddSQLiteConversationTrigger(), AddReceiptMarkers(), AddConversationChangeFeed(),
    ]
}

struct CreateUsers: SQLMigration {
    let version = 1
    let name = "create_users"

    func statements(for flavor: SQLFlavor) -> [String] {
        let key = flavor.keyText
        return [
            """
            CREATE TABLE users (
                id \(key) PRIMARY KEY, username TEXT NOT NULL, username_key \(key) NOT NULL, email \(key) NOT NULL,
                display_name TEXT, display_name_key TEXT, avatar_url TEXT, password_hash TEXT,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            "CREATE UNIQUE INDEX users_username_key ON users (username_key)",
            "CREATE UNIQUE INDEX users_email ON users (email)",
        ]
    }
}

struct CreateRefreshTokens: SQLMigration {
    let version = 2
    let name = "create_refresh_tokens"

    func statements(for flavor: SQLFlavor) -> [String] {
        let key = flavor.keyText
        return [
            """
            CREATE TABLE refresh_tokens (
                token_hash \(key) PRIMARY KEY, user_id \(key) NOT NULL, family_id \(key) NOT NULL,
                created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, consumed_at BIGINT, revoked_at BIGINT)
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)",
            "CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id)",
        ]
    }
}

struct CreateFriendships: SQLMigration {
    let version = 3
    let name = "create_friends_and_blocks"

    func statements(for flavor: SQLFlavor) -> [String] {
        let key = flavor.keyText
        return [
            """
            CREATE TABLE friends (
                pair_key \(key) PRIMARY KEY, user_id \(key) NOT NULL, friend_id \(key) NOT NULL, status \(key) NOT NULL,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version BIGINT NOT NULL)
            """,
            "CREATE INDEX friends_requester ON friends (user_id, status, updated_at, pair_key)",
            "CREATE INDEX friends_addressee ON friends (friend_id, status, updated_at, pair_key)",
            """
            CREATE TABLE blocks (
                blocker_id \(key) NOT NULL, blocked_id \(key) NOT NULL, created_at BIGINT NOT NULL,
                PRIMARY KEY (blocker_id, blocked_id))
            """,
            "CREATE INDEX blocks_blocked ON blocks (blocked_id, blocker_id)",
        ]
    }
}

struct CreateMessages: SQLMigration {
    let version = 4
    let name = "create_messages_and_conversations"

    func statements(for flavor: SQLFlavor) -> [String] {
        let key = flavor.keyText
        // MariaDB has no partial indexes; version 9 drops this one everywhere else.
        let unreadIndex =
            flavor == .mariadb
            ? [] : ["CREATE INDEX messages_unread ON messages (receiver_id, sender_id) WHERE read_at IS NULL AND deleted_at IS NULL"]
        return [
            """
            CREATE TABLE messages (
                id \(key) PRIMARY KEY, conversation_id \(key) NOT NULL, sender_id \(key) NOT NULL,
                receiver_id \(key) NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, client_message_id \(key),
                created_at BIGINT NOT NULL, edited_at BIGINT, deleted_at BIGINT, delivered_at BIGINT, read_at BIGINT,
                CONSTRAINT messages_client_key UNIQUE (sender_id, client_message_id))
            """,
            "CREATE INDEX messages_conversation ON messages (conversation_id, created_at, id)",
        ] + unreadIndex + [
            """
            CREATE TABLE conversations (
                id \(key) PRIMARY KEY, user_low \(key) NOT NULL, user_high \(key) NOT NULL,
                last_message_id \(key) NOT NULL, last_message_at BIGINT NOT NULL)
            """,
            "CREATE INDEX conversations_low ON conversations (user_low, last_message_at, id)",
            "CREATE INDEX conversations_high ON conversations (user_high, last_message_at, id)",
        ]
    }
}

struct CreateFiles: SQLMigration {
    let version = 5
    let name = "create_files"

    func statements(for flavor: SQLFlavor) -> [String] {
        let key = flavor.keyText
        return [
            """
            CREATE TABLE files (
                id \(key) PRIMARY KEY, message_id \(key), uploader_id \(key) NOT NULL, receiver_id \(key),
                name TEXT NOT NULL, size BIGINT NOT NULL, content_type TEXT NOT NULL, sha256 TEXT NOT NULL,
                storage_key TEXT NOT NULL, created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX files_message ON files (message_id)",
            "CREATE INDEX files_uploader ON files (uploader_id, created_at)",
        ]
    }
}
