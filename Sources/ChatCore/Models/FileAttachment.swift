/// A stored file's identifier: random, never derived from the file's name or bytes.
public struct FileID: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public init(from decoder: any Decoder) throws { self.rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The file a `.file` message carries: what the recipient sees before downloading it.
public struct FileAttachment: Hashable, Sendable, Codable {
    public var id: FileID
    /// The sanitised name the uploader gave (see `FileName.sanitize`); shown to people, never used as a storage key.
    public var name: String
    /// Size in bytes.
    public var size: Int64
    /// The type detected from the bytes (`FileTypeDetector`); the client's claim is never used.
    public var contentType: String
    /// Lowercase hex SHA-256 of the bytes.
    public var sha256: String
    /// Pixel dimensions, for images whose header could be read.
    public var width: Int?
    public var height: Int?

    public init(id: FileID, name: String, size: Int64, contentType: String, sha256: String, width: Int? = nil, height: Int? = nil) {
        self.id = id
        self.name = name
        self.size = size
        self.contentType = contentType
        self.sha256 = sha256
        self.width = width
        self.height = height
    }
}

/// A stored file as the `FileStore` keeps it: the attachment plus who may read it and where its bytes are.
public struct FileRecord: Hashable, Sendable {
    public var attachment: FileAttachment
    /// The message that carries the file.
    public var messageID: MessageID?
    public var uploaderID: UserID
    public var receiverID: UserID?
    /// The `BlobStore` key of the bytes (`BlobKey.random`).
    public var storageKey: String
    public var createdAt: Timestamp

    public init(
        attachment: FileAttachment,
        messageID: MessageID?,
        uploaderID: UserID,
        receiverID: UserID?,
        storageKey: String,
        createdAt: Timestamp
    ) {
        self.attachment = attachment
        self.messageID = messageID
        self.uploaderID = uploaderID
        self.receiverID = receiverID
        self.storageKey = storageKey
        self.createdAt = createdAt
    }

    public var id: FileID { attachment.id }
}

/// Limits on uploads. Every value is configurable; the defaults suit a public service.
public struct FileLimits: Hashable, Sendable {
    /// Bytes of one file (default 15 MiB, the original app's limit).
    public var maxFileBytes: Int64 = 15 * 1024 * 1024
    /// Files in one upload request (default 10).
    public var maxFilesPerRequest: Int = 10
    /// Bytes of one upload request body, files and form overhead together (default 50 MiB).
    public var maxRequestBytes: Int64 = 50 * 1024 * 1024
    /// Multipart parts of any kind in one request (default 32), so a body of many tiny parts is refused early.
    public var maxPartsPerRequest: Int = 32
    /// Bytes one user may upload per rolling 24 hours (default 1 GiB).
    public var maxBytesPerUserPerDay: Int64 = 1024 * 1024 * 1024

    public init() {}
}

/// Rules for the names of uploaded files.
public enum FileName {
    /// The longest name kept, in UTF-8 bytes (a file name on common file systems).
    public static let maxBytes = 255
    /// The name used when nothing usable is left.
    public static let fallback = "file"

    /// A safe display name for `raw`: the last path component (either slash), without control or bidirectional
    /// formatting characters, trimmed, at most `maxBytes` UTF-8 bytes (keeping a short extension), never empty, `.` or `..`.
    /// UTF-8 is kept as is.
    public static func sanitize(_ raw: String) -> String {
        let lastComponent = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var scalars = String.UnicodeScalarView()
        for scalar in lastComponent.unicodeScalars where !isUnsafe(scalar) { scalars.append(scalar) }
        var name = String(scalars).trimmingSpaces()
        if name == "." || name == ".." || name.isEmpty { return fallback }
        if name.utf8.count > maxBytes { name = truncate(name) }
        return name.isEmpty ? fallback : name
    }

    /// An ASCII rendering of `name` for the plain `filename=` parameter of `Content-Disposition`: non-ASCII, quotes,
    /// backslashes and `%` become `_`.
    public static func asciiFallback(_ name: String) -> String {
        let mapped = name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && scalar.value >= 0x20 && scalar.value != 0x7F && !"\"\\%".unicodeScalars.contains(scalar)
                ? Character(scalar) : "_"
        }
        return String(mapped)
    }

    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }

    /// Cuts the stem so the name fits `maxBytes`, keeping an extension of up to 16 bytes, on character boundaries.
    private static func truncate(_ name: String) -> String {
        var stem = Substring(name)
        var suffix = ""
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let candidate = name[dot...]
            if candidate.utf8.count <= 16 {
                stem = name[..<dot]
                suffix = String(candidate)
            }
        }
        var kept = ""
        for character in stem {
            if kept.utf8.count + character.utf8.count + suffix.utf8.count > maxBytes { break }
            kept.append(character)
        }
        return kept.trimmingSpaces() + suffix
    }
}
