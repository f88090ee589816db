import ArgumentParser

/// A scenario subcommand: it runs once in a fresh ``BenchEnvironment``, prints and writes its report, and exits 1 when
/// the report's verification failed.
protocol BenchScenarioCommand: AsyncParsableCommand {
    var common: CommonOptions { get }
    func runScenario(_ environment: BenchEnvironment) async throws -> BenchReport
}

extension BenchScenarioCommand {
    func run() async throws {
        let passed = try await BenchEnvironment.with(self.common) { environment in
            var report = try await self.runScenario(environment)
            try report.finish(options: self.common)
            return report.passed
        }
        if !passed { throw ExitCode(1) }
    }
}
