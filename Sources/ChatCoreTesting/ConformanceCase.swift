import ChatCore
import Testing

/// Every store a backend provides, fresh and empty.
public struct StoreFixture: Sendable {
    public var users: any UserStore
    public var refreshTokens: any RefreshTokenStore
    public var friendships: any FriendshipStore
    public var messages: any MessageStore

    public init(users: any UserStore, refreshTokens: any RefreshTokenStore, friendships: any FriendshipStore, messages: any MessageStore) {
        self.users = users
        self.refreshTokens = refreshTokens
        self.friendships = friendships
        self.messages = messages
    }

    /// The in-memory backend.
    public static func memory() -> StoreFixture {
        StoreFixture(
            users: MemoryUserStore(),
            refreshTokens: MemoryRefreshTokenStore(),
            friendships: MemoryFriendshipStore(),
            messages: MemoryMessageStore()
        )
    }
}

/// One named check of a port's contract. Backends run every case of every suite against a fresh fixture, typically with
/// `@Test(arguments: UserStoreConformance.cases)`.
public struct ConformanceCase: Sendable, CustomTestStringConvertible, CustomStringConvertible {
    public let name: String
    public let body: @Sendable (StoreFixture) async throws -> Void

    public init(_ name: String, _ body: @escaping @Sendable (StoreFixture) async throws -> Void) {
        self.name = name
        self.body = body
    }

    public var testDescription: String { name }
    public var description: String { name }
}

/// Every conformance case of every store port.
public enum StoreConformance {
    public static var allCases: [ConformanceCase] {
        UserStoreConformance.cases + RefreshTokenStoreConformance.cases + FriendshipStoreConformance.cases + MessageStoreConformance.cases
            + MessageStoreConformance.changeFeedCases
    }
}

/// Builders for test values.
public enum Fixtures {
    public static func user(_ name: String, id: String? = nil, displayName: String? = nil, at time: Int64 = 1_700_000_000_000) -> User {
        User(
            id: UserID(id ?? "u-\(name.lowercased())"),
            username: name,
            email: "\(name.lowercased())@example.com",
            displayName: displayName,
            createdAt: Timestamp(milliseconds: time),
            updatedAt: Timestamp(milliseconds: time)
        )
    }

    public static func message(
        _ id: String,
        from sender: UserID,
        to recipient: UserID,
        at time: Int64,
        body: String? = nil,
        clientMessageID: String? = nil
    ) -> Message {
        Message(
            id: MessageID(id),
            conversationID: ConversationID(sender, recipient),
            senderID: sender,
            recipientID: recipient,
            body: body ?? "message \(id)",
            clientMessageID: clientMessageID,
            createdAt: Timestamp(milliseconds: time)
        )
    }

    /// Expects `body` to throw a `ChatError` with `code`.
    public static func expectChatError<T>(
        _ code: ChatError.Code,
        field: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> T
    ) async {
        do {
            _ = try await body()
            Issue.record("expected ChatError \(code), but nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as ChatError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            if let field { #expect(error.field == field, "\(error)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("expected ChatError \(code), got \(error)", sourceLocation: sourceLocation)
        }
    }
}
