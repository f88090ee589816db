import ChatStoreSQL
import Foundation

/// A SQLite file in the temporary directory, with a client for it; `remove()` deletes the file and its WAL.
struct TemporarySQLiteDatabase: Sendable {
    let path: String
    let client: SQLDatabaseClient

    init(name: String) {
        self.path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).sqlite").path
        self.client = SQLDatabaseClient(configuration: SQLStoreConfiguration(backend: .sqlite(path: path)))
    }

    func remove() {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }
}
