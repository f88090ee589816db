import ChatCore
import Hummingbird

/// `GET|PATCH /api/v2/me` and `GET /api/v2/users` (search).
struct UserController {
    let dependencies: APIDependencies

    func register(on routes: RouteBuilder) {
        let deps = dependencies
        routes.on(.get, "me") { _, context in
            let user = try await deps.users.user(try context.requireUserID())
            return JSONResponse.make(UserEnvelope(user: UserDTO(user, includeEmail: true)))
        }
        routes.on(.patch, "me") { request, context in
            let me = try context.requireUserID()
            let patch = try await deps.decode(ProfilePatchDTO.self, from: request)
            let user = try await deps.users.updateProfile(of: me, patch.changes)
            return JSONResponse.make(UserEnvelope(user: UserDTO(user, includeEmail: true)))
        }
        routes.on(.get, "users") { request, context in
            let me = try context.requireUserID()
            guard let query = request.uri.queryParameters.get("q") else { throw ChatError.invalidRequest("q is required", field: "q") }
            let cursor = try request.uri.queryParameters.get("cursor").map { try Cursor.userSearchCursor($0) }
            let limit = try deps.pageSize(request)
            let results = try await deps.users.search(caller: me, query: query, after: cursor, limit: limit)
            let page = UserSearchPageDTO(
                users: results.map { UserSearchResultDTO(user: UserDTO($0.hit.user), relationship: $0.relationship.rawValue) },
                nextCursor: results.count == limit ? results.last.map { Cursor.encode($0.hit.cursor) } : nil
            )
            return JSONResponse.make(page)
        }
    }
}
