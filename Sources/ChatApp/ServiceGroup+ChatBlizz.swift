import Logging
import ServiceLifecycle

extension ServiceGroupConfiguration {
    /// How `chatblizz serve` runs its application: SIGTERM and SIGINT start a graceful shutdown; whatever is still
    /// running `configuration.shutdownTimeout` later is cancelled; and if something ignores the cancellation for
    /// ``chatBlizzCancellationLimit`` more, the process stops with a fatal error, so a shutdown always ends.
    ///
    /// The last step is for work that cannot be cancelled: postgres-nio 1.33 can lose a query written to a connection
    /// the server has just closed, and the task awaiting it then waits forever (see `PostgresSessionProvider`).
    public init(chatBlizz application: any Service, _ configuration: AppConfiguration, logger: Logger) {
        self.init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        self.maximumGracefulShutdownDuration = configuration.shutdownTimeout
        self.maximumCancellationDuration = Self.chatBlizzCancellationLimit
    }

    /// How long cancelled work may take to end before the process stops with a fatal error.
    public static let chatBlizzCancellationLimit: Duration = .seconds(10)
}
