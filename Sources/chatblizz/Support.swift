import ArgumentParser
import ChatApp
import ChatCore
import Foundation
import Logging

/// Reads the configuration; a bad value ends the process with one line naming the key.
func loadConfiguration(_ common: CommonOptions, overrides: [String: String] = [:]) throws -> AppConfiguration {
    var merged = common.overrides
    merged.merge(overrides) { _, new in new }
    return try runOrExplainSync { try AppConfiguration.load(envFile: common.envFile, overrides: merged) }
}

func makeLogger(_ configuration: AppConfiguration) -> Logger {
    var logger = Logger(label: "chatblizz")
    logger.logLevel = configuration.logLevel
    return logger
}

/// Runs `body`; configuration and domain errors become one clear line on stderr and exit code 1.
func runOrExplain<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw explained(error)
    }
}

func runOrExplainSync<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw explained(error)
    }
}

private func explained(_ error: any Error) -> any Error {
    let line: String
    switch error {
    case let error as ConfigurationError: line = error.description
    case let error as ChatError: line = "\(error.field.map { "\($0): " } ?? "")\(error.message)"
    default: return error
    }
    FileHandle.standardError.write(Data("chatblizz: \(line)\n".utf8))
    return ExitCode.failure
}
