import ChatCore
import Hummingbird

/// `POST /api/v2/auth/register|login|refresh|logout`: the only v2 routes without a bearer token.
struct AuthController {
    let dependencies: APIDependencies

    func register(on routes: RouteBuilder) {
        let deps = dependencies
        routes.on(.post, "register") { request, context in
            try deps.authLimiter.check("register:\(context.clientAddress)")
            let body = try await deps.decode(RegisterDTO.self, from: request)
            let session = try await deps.auth.register(username: body.username, email: body.email, password: body.password)
            return JSONResponse.make(AuthSessionDTO(session), status: .created)
        }
        routes.on(.post, "login") { request, context in
            try deps.authLimiter.check("login:\(context.clientAddress)")
            let body = try await deps.decode(LoginDTO.self, from: request)
            try deps.authLimiter.check("login-user:\(body.login.lowercased().prefix(256))")
            return JSONResponse.make(AuthSessionDTO(try await deps.auth.login(login: body.login, password: body.password)))
        }
        routes.on(.post, "refresh") { request, context in
            try deps.authLimiter.check("refresh:\(context.clientAddress)")
            let body = try await deps.decode(RefreshTokenDTO.self, from: request)
            return JSONResponse.make(AuthSessionDTO(try await deps.auth.refresh(refreshToken: body.refreshToken)))
        }
        routes.on(.post, "logout") { request, context in
            try deps.authLimiter.check("logout:\(context.clientAddress)")
            let body = try await deps.decode(RefreshTokenDTO.self, from: request)
            try await deps.auth.logout(refreshToken: body.refreshToken)
            return JSONResponse.noContent()
        }
    }
}
