import ArgumentParser

@main
struct ChatBlizzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chatblizz",
        abstract: "ChatBlizz: a self-hostable real-time chat backend.",
        subcommands: [Serve.self, Migrate.self, UserCommand.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "A .env file to read (missing file: ignored).")
    var envFile: String = ".env"

    @Option(
        name: .long,
        help: "Database URL (overrides CHATBLIZZ_DATABASE_URL): sqlite:./data/chatblizz.sqlite, postgres://user@host/db or mariadb://user@host/db."
    )
    var databaseURL: String?

    @Option(name: .long, help: "Data directory (overrides CHATBLIZZ_DATA_DIR).")
    var dataDir: String?

    var overrides: [String: String] {
        var values: [String: String] = [:]
        values["CHATBLIZZ_DATABASE_URL"] = databaseURL
        values["CHATBLIZZ_DATA_DIR"] = dataDir
        return values
    }
}
