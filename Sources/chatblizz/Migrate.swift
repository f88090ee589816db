import ArgumentParser
import ChatApp
import ChatStoreSQL

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try loadConfiguration(common)
        let logger = makeLogger(configuration)
        let database = try runOrExplainSync { try SQLDatabaseClient(url: configuration.databaseURL, logger: logger) }
        let applied = try await database.withRunning { try await $0.migrate() }
        print(applied.isEmpty ? "database is up to date" : "applied: \(applied.joined(separator: ", "))")
    }
}
