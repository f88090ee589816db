import ArgumentParser
import ChatApp
import ChatCore
import Foundation

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage accounts.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account (the password is read from CHATBLIZZ_NEW_PASSWORD or stdin).")

        @OptionGroup var common: CommonOptions

        @Option(help: "Username (3 to 32 letters, digits, '_', '.', '-').")
        var username: String

        @Option(help: "Email address.")
        var email: String

        @Option(help: "Display name.")
        var displayName: String?

        func run() async throws {
            let configuration = try loadConfiguration(common)
            let logger = makeLogger(configuration)
            let password = ProcessInfo.processInfo.environment["CHATBLIZZ_NEW_PASSWORD"] ?? readLine(strippingNewline: true) ?? ""
            let backends = try await runOrExplain { try await ChatBackends.make(configuration, logger: logger) }
            let user = try await backends.database.withRunning { database in
                try await database.migrate()
                let session = try await backends.auth.register(username: username, email: email, password: password)
                guard let displayName else { return session.user }
                return try await backends.users.updateProfile(of: session.user.id, ProfileChanges(displayName: .some(displayName)))
            }
            print("created user \(user.username) with id \(user.id)")
        }
    }
}
