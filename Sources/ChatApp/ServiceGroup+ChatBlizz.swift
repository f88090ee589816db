import Logging
import ServiceLifecycle

extension ServiceGroupConfiguration {
    /// How `chatblizz serve` runs its application: SIGTERM and SIGINT start a graceful shutdown, and whatever is still
    /// running `configuration.shutdownTimeout` later is cancelled, so a shutdown always ends.
    public init(chatBlizz application: any Service, _ configuration: AppConfiguration, logger: Logger) {
        self.init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        self.maximumGracefulShutdownDuration = configuration.shutdownTimeout
    }
}
