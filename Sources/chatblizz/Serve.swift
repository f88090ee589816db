import ArgumentParser
import ChatApp
import Logging
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (HTTP API and Socket.IO).")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Address to listen on (overrides CHATBLIZZ_HOST).")
    var host: String?

    @Option(name: .shortAndLong, help: "Port to listen on (overrides PORT, default 8000).")
    var port: Int?

    func run() async throws {
        var overrides = common.overrides
        overrides["CHATBLIZZ_HOST"] = host
        overrides["PORT"] = port.map(String.init)
        let configuration = try loadConfiguration(common, overrides: overrides)
        let logger = makeLogger(configuration)
        let app = try await runOrExplain { try await buildApplication(configuration, logger: logger) }
        try await ServiceGroup(configuration: ServiceGroupConfiguration(chatBlizz: app, configuration, logger: logger)).run()
    }
}
