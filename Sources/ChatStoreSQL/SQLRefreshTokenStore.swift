import ChatCore
import SQLKit

/// `RefreshTokenStore` on SQL (`refresh_tokens` table). Consumption is one conditional `UPDATE`, so of two racing
/// consumers exactly one wins and the other sees a reuse.
public struct SQLRefreshTokenStore: RefreshTokenStore {
    let provider: any SQLSessionProvider

    init(provider: any SQLSessionProvider) {
        self.provider = provider
    }

    public func insert(_ record: RefreshTokenRecord) async throws {
        let flavor = provider.flavor
        let inserted = try await provider.withSession { database in
            try await database.raw(
                """
                \(flavor.insertSkippingConflicts) refresh_tokens (token_hash, user_id, family_id, created_at, expires_at, consumed_at, revoked_at)
                VALUES (\(bind: record.tokenHash), \(bind: record.userID.rawValue), \(bind: record.familyID),
                    \(bind: record.createdAt.milliseconds), \(bind: record.expiresAt.milliseconds),
                    \(bind: record.consumedAt?.milliseconds), \(bind: record.revokedAt?.milliseconds))
                \(flavor.skipConflicts) RETURNING token_hash
                """
            ).all()
        }
        if inserted.isEmpty { throw ChatError.conflict("refresh token exists") }
    }

    public func consume(tokenHash: String, at now: Timestamp) async throws -> RefreshTokenConsumption {
        let flavor = provider.flavor
        return try await provider.withTransaction { database in
            let consumed = try await flavor.updateReturningRow(
                """
                UPDATE refresh_tokens SET consumed_at = \(bind: now.milliseconds)
                WHERE token_hash = \(bind: tokenHash) AND consumed_at IS NULL AND revoked_at IS NULL
                    AND expires_at > \(bind: now.milliseconds)
                """,
                columns: Columns.refreshToken,
                select: "SELECT \(unsafeRaw: Columns.refreshToken) FROM refresh_tokens WHERE token_hash = \(bind: tokenHash)",
                on: database
            )
            if let consumed { return .consumed(try RefreshTokenRecord(row: consumed)) }
            let current = try await database.raw(
                "SELECT \(unsafeRaw: Columns.refreshToken) FROM refresh_tokens WHERE token_hash = \(bind: tokenHash)"
            ).first().map(RefreshTokenRecord.init(row:))
            guard let record = current, record.revokedAt == nil, record.expiresAt > now, record.consumedAt != nil else {
                return .invalid
            }
            try await Self.revokeFamily(record.familyID, at: now, on: database)
            return .reused(record)
        }
    }

    public func revokeFamily(_ familyID: String, at now: Timestamp) async throws {
        try await provider.withSession { database in try await Self.revokeFamily(familyID, at: now, on: database) }
    }

    private static func revokeFamily(_ familyID: String, at now: Timestamp, on database: any SQLDatabase) async throws {
        try await database.raw(
            "UPDATE refresh_tokens SET revoked_at = \(bind: now.milliseconds) WHERE family_id = \(bind: familyID) AND revoked_at IS NULL"
        ).run()
    }
}
