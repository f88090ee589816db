import ChatCore
import Hummingbird

/// Friends, friend requests and blocks under `/api/v2`.
struct FriendController {
    let dependencies: APIDependencies

    func register(on routes: RouteBuilder) {
        let deps = dependencies
        routes.on(.get, "friends") { request, context in
            let me = try context.requireUserID()
            let cursor = try request.uri.queryParameters.get("cursor").map { try Cursor.friendshipCursor($0) }
            let limit = try deps.pageSize(request)
            let rows = try await deps.friends.friends(of: me, after: cursor, limit: limit)
            return JSONResponse.make(try await page(rows, me: me, limit: limit, key: \.friends))
        }
        routes.on(.get, "friends/requests") { request, context in
            let me = try context.requireUserID()
            let directionText = request.uri.queryParameters.get("direction") ?? "incoming"
            guard let direction = FriendRequestDirection(rawValue: directionText) else {
                throw ChatError.validation("direction must be incoming or outgoing", field: "direction")
            }
            let cursor = try request.uri.queryParameters.get("cursor").map { try Cursor.friendshipCursor($0) }
            let limit = try deps.pageSize(request)
            let rows = try await deps.friends.requests(of: me, direction: direction, after: cursor, limit: limit)
            return JSONResponse.make(try await page(rows, me: me, limit: limit, key: \.requests))
        }
        routes.on(.post, "friends/requests") { request, context in
            let me = try context.requireUserID()
            let body = try await deps.decode(UserIDBodyDTO.self, from: request)
            let row = try await deps.friends.sendRequest(from: me, to: try bodyUserID(body.userId))
            return try await envelope(row, me: me, status: row.status == .pending ? .created : .ok)
        }
        routes.on(.post, "friends/requests/{userId}/accept") { _, context in
            let me = try context.requireUserID()
            return try await envelope(try await deps.friends.accept(me, requestFrom: try context.pathUserID()), me: me)
        }
        routes.on(.post, "friends/requests/{userId}/reject") { _, context in
            let me = try context.requireUserID()
            return try await envelope(try await deps.friends.reject(me, requestFrom: try context.pathUserID()), me: me)
        }
        routes.on(.delete, "friends/requests/{userId}") { _, context in
            try await deps.friends.cancel(try context.requireUserID(), requestTo: try context.pathUserID())
            return JSONResponse.noContent()
        }
        routes.on(.delete, "friends/{userId}") { _, context in
            try await deps.friends.unfriend(try context.requireUserID(), try context.pathUserID())
            return JSONResponse.noContent()
        }
        routes.on(.get, "blocks") { _, context in
            let me = try context.requireUserID()
            let blocks = try await deps.friends.blocks(of: me)
            let users = try await deps.usersByID(blocks.map(\.blocked))
            let dtos = blocks.map {
                BlockDTO(userId: $0.blocked.rawValue, user: users[$0.blocked].map { UserDTO($0) }, createdAt: $0.createdAt.iso8601)
            }
            return JSONResponse.make(BlockListDTO(blocks: dtos))
        }
        routes.on(.post, "blocks") { request, context in
            let me = try context.requireUserID()
            let body = try await deps.decode(UserIDBodyDTO.self, from: request)
            try await deps.friends.block(me, try bodyUserID(body.userId))
            return JSONResponse.noContent()
        }
        routes.on(.delete, "blocks/{userId}") { _, context in
            try await deps.friends.unblock(try context.requireUserID(), try context.pathUserID())
            return JSONResponse.noContent()
        }

        @Sendable func envelope(_ row: Friendship, me: UserID, status: HTTPResponse.Status = .ok) async throws -> Response {
            let peer = try await deps.userStore.user(id: row.peer(of: me))
            return JSONResponse.make(FriendshipEnvelope(friendship: FriendshipDTO(row, caller: me, peer: peer)), status: status)
        }

        @Sendable func page(
            _ rows: [Friendship],
            me: UserID,
            limit: Int,
            key: WritableKeyPath<FriendshipPageDTO, [FriendshipDTO]?>
        ) async throws -> FriendshipPageDTO {
            let users = try await deps.usersByID(rows.map { $0.peer(of: me) })
            var dto = FriendshipPageDTO()
            dto[keyPath: key] = rows.map { FriendshipDTO($0, caller: me, peer: users[$0.peer(of: me)]) }
            dto.nextCursor = rows.count == limit ? rows.last.map { Cursor.encode(FriendshipCursor($0)) } : nil
            return dto
        }
    }
}
