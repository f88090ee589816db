import ChatCore
import Foundation
import Hummingbird

/// R1–R6 of the original API: registration, friend list, user search, profile and pending requests.
struct V1UserController {
    let dependencies: V1Dependencies

    func register(open: RouteBuilder, authenticated routes: RouteBuilder) {
        let deps = dependencies
        // R1: the original trusted `fireBaseID` from the body; here it must be the uid of the bearer token.
        open.on(.post, "register") { request, _ in
            let body = try await deps.decode(V1RegisterBody.self, from: request)
            guard let username = V1Input.nonBlank(body.username) else { throw V1Error(.badRequest, "username is missing") }
            guard let email = V1Input.nonBlank(body.email) else { throw V1Error(.badRequest, "email is missing") }
            guard let uid = V1Input.nonBlank(body.fireBaseID) else { throw V1Error(.badRequest, "fireBaseID is missing") }
            let identity = try await V1AuthenticationMiddleware.verify(request, verifier: deps.registrationVerifier)
            guard identity.userID.rawValue == uid else { throw V1Error.notCaller("fireBaseID") }
            if let tokenEmail = identity.email, tokenEmail.lowercased() != email.lowercased() {
                throw V1Error(.forbidden, "Forbidden: email must be the email of the signed-in account")
            }
            let store = deps.api.userStore
            if let existing = try await store.user(login: username), existing.username.lowercased() == username.lowercased() {
                throw V1Error(.badRequest, "Username \(username) already exists in the database")
            }
            if try await store.user(login: email) != nil { throw V1Error(.badRequest, "Email \(email) already exists in the database") }
            if try await store.user(id: identity.userID) != nil { throw V1Error(.badRequest, "User \(uid) is already registered") }
            do {
                _ = try await deps.api.users.createUser(id: identity.userID, username: username, email: email)
            } catch let error as ChatError where error.code == .conflict {
                throw V1Error(.badRequest, "\(error.field ?? "user") already exists in the database")
            }
            return JSONResponse.make(V1RegisteredDTO())
        }
        // R2: the caller's accepted friends; 201 with [] when there are none, as in the original.
        routes.on(.get, "getAllUsers/{q}") { _, context in
            let me = try context.requireUserID()
            try V1Input.requireCaller(try V1Input.pathParameter("q", context), is: me, field: "q")
            var rows: [Friendship] = []
            var cursor: FriendshipCursor?
            repeat {
                let page = try await deps.api.friends.friends(of: me, after: cursor, limit: 100)
                rows += page
                cursor = page.count == 100 ? page.last.map(FriendshipCursor.init) : nil
            } while cursor != nil
            let users = try await deps.api.usersByID(rows.map { $0.peer(of: me) })
            let dtos = rows.compactMap { users[$0.peer(of: me)].map(V1UserRowDTO.init) }
            return JSONResponse.make(dtos, status: dtos.isEmpty ? .created : .ok)
        }
        // R3: typeahead, at most 6 hits.
        routes.on(.get, "fetchRecommendation/{q}") { _, context in
            let me = try context.requireUserID()
            let query = try V1Input.pathParameter("q", context)
            return JSONResponse.make(try await search(deps, me: me, query: query, limit: 6, maxPages: 1, toBeAccepted: false))
        }
        // R4: full search; the recipient of a pending request sees `ToBeAccepted`.
        routes.on(.get, "fetchSearchAll/{q}") { _, context in
            let me = try context.requireUserID()
            let query = try V1Input.pathParameter("q", context)
            return JSONResponse.make(try await search(deps, me: me, query: query, limit: 100, maxPages: 10, toBeAccepted: true))
        }
        // R5: a profile with the friendship status between the caller and that user.
        routes.on(.get, "getUserDetail/{userId}/and/{friendId}") { _, context in
            let me = try context.requireUserID()
            try V1Input.requireCaller(try V1Input.pathParameter("userId", context), is: me, field: "userId")
            let friendID = try V1Input.userID(try V1Input.pathParameter("friendId", context), field: "friendId")
            guard let friend = try await deps.api.userStore.user(id: friendID) else { throw V1Error(.notFound, "User not found") }
            let friendship = try await deps.friendshipStore.friendship(between: me, and: friendID)
            let dto = V1UserDetailDTO(
                id: friend.id.rawValue,
                username: friend.username,
                email: friend.email,
                avatar: friend.avatarURL,
                createdAt: friend.createdAt.iso8601,
                friendStatus: V1Dependencies.status(friendship)
            )
            return JSONResponse.make(dto)
        }
        // R6: pending requests sent to the caller; 201 {"message":"No Pending Requests"} when there are none.
        routes.on(.get, "displayFriendRequests/{userId}") { _, context in
            let me = try context.requireUserID()
            try V1Input.requireCaller(try V1Input.pathParameter("userId", context), is: me, field: "userId")
            var rows: [Friendship] = []
            var cursor: FriendshipCursor?
            repeat {
                let page = try await deps.api.friends.requests(of: me, direction: .incoming, after: cursor, limit: 100)
                rows += page
                cursor = page.count == 100 ? page.last.map(FriendshipCursor.init) : nil
            } while cursor != nil
            guard !rows.isEmpty else { return JSONResponse.make(V1MessageDTO(message: "No Pending Requests"), status: .created) }
            let users = try await deps.api.usersByID(rows.map(\.requester))
            let dtos = rows.compactMap { row in
                users[row.requester].map {
                    V1FriendRequestRowDTO(
                        userID: row.requester.rawValue,
                        status: row.status.rawValue,
                        createdAt: row.createdAt.iso8601,
                        username: $0.username,
                        email: $0.email
                    )
                }
            }
            return JSONResponse.make(dtos)
        }
    }
}

/// R3/R4: `UserService.search` (wildcards escaped, the caller excluded) with the original's `status` values.
private func search(
    _ deps: V1Dependencies,
    me: UserID,
    query: String,
    limit: Int,
    maxPages: Int,
    toBeAccepted: Bool
) async throws -> [V1SearchRowDTO] {
    var rows: [V1SearchRowDTO] = []
    var cursor: UserSearchCursor?
    for _ in 0..<maxPages {
        let hits = try await deps.api.users.search(caller: me, query: query, after: cursor, limit: limit)
        for (hit, relationship) in hits {
            let status: String
            switch relationship {
            case .friends: status = "accepted"
            case .outgoingRequest: status = "pending"
            case .incomingRequest: status = toBeAccepted ? "ToBeAccepted" : "pending"
            default: status = "unknown"
            }
            rows.append(V1SearchRowDTO(id: hit.user.id.rawValue, username: hit.user.username, email: hit.user.email, status: status))
        }
        guard hits.count == limit, let last = hits.last else { break }
        cursor = last.hit.cursor
    }
    return rows
}
