import ChatAuth
import ChatCore

/// A message's file on the v2 wire.
struct FileDTO: Encodable, Sendable {
    var id: String
    var name: String
    var size: Int64
    var contentType: String
    var sha256: String
    var width: Int?
    var height: Int?
    /// Where the file downloads from (with the caller's bearer token).
    var url: String

    init(_ file: FileAttachment) {
        id = file.id.rawValue
        name = file.name
        size = file.size
        contentType = file.contentType
        sha256 = file.sha256
        width = file.width
        height = file.height
        url = Self.downloadPath(file.id)
    }

    /// The download route of a file, relative to the server (it needs the bearer token).
    static func downloadPath(_ id: FileID) -> String { "/api/v2/files/\(id.rawValue)" }

    /// The signed link of a file for v1 payloads, relative to the server: it needs no token (see `FileLinkSigner`).
    static func v1Link(_ id: FileID, links: FileLinkSigner) -> String {
        "\(Self.v1LinkPrefix)\(id.rawValue)?\(links.query(for: id))"
    }

    /// The route of signed links, before the file id.
    static let v1LinkPrefix = "/api/v1/files/"
}

/// `POST /api/v2/conversations/{userId}/files`: the messages created, one per file, in upload order.
struct FileMessagesDTO: Encodable, Sendable {
    var messages: [MessageDTO]
}
