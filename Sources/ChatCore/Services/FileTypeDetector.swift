/// A file type recognised from a file's first bytes.
public struct DetectedFileType: Hashable, Sendable, CustomStringConvertible {
    /// The media type sent back on download.
    public var mimeType: String
    /// The usual extension, without a dot.
    public var fileExtension: String

    public init(mimeType: String, fileExtension: String) {
        self.mimeType = mimeType
        self.fileExtension = fileExtension
    }

    public var description: String { mimeType }

    /// Whether the whole file must be valid UTF-8 without NUL bytes (checked while it streams).
    public var isText: Bool { self == .text }

    public static let png = DetectedFileType(mimeType: "image/png", fileExtension: "png")
    public static let jpeg = DetectedFileType(mimeType: "image/jpeg", fileExtension: "jpg")
    public static let gif = DetectedFileType(mimeType: "image/gif", fileExtension: "gif")
    public static let webp = DetectedFileType(mimeType: "image/webp", fileExtension: "webp")
    public static let mp4 = DetectedFileType(mimeType: "video/mp4", fileExtension: "mp4")
    public static let mov = DetectedFileType(mimeType: "video/quicktime", fileExtension: "mov")
    public static let webm = DetectedFileType(mimeType: "video/webm", fileExtension: "webm")
    public static let mp3 = DetectedFileType(mimeType: "audio/mpeg", fileExtension: "mp3")
    public static let ogg = DetectedFileType(mimeType: "audio/ogg", fileExtension: "ogg")
    public static let wav = DetectedFileType(mimeType: "audio/wav", fileExtension: "wav")
    public static let m4a = DetectedFileType(mimeType: "audio/mp4", fileExtension: "m4a")
    public static let pdf = DetectedFileType(mimeType: "application/pdf", fileExtension: "pdf")
    public static let docx = DetectedFileType(
        mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        fileExtension: "docx"
    )
    public static let xlsx = DetectedFileType(mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fileExtension: "xlsx")
    public static let pptx = DetectedFileType(
        mimeType: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        fileExtension: "pptx"
    )
    public static let doc = DetectedFileType(mimeType: "application/msword", fileExtension: "doc")
    public static let xls = DetectedFileType(mimeType: "application/vnd.ms-excel", fileExtension: "xls")
    public static let zip = DetectedFileType(mimeType: "application/zip", fileExtension: "zip")
    public static let text = DetectedFileType(mimeType: "text/plain; charset=utf-8", fileExtension: "txt")
}

/// Recognises the allowed file types from their magic bytes. The client's claimed type is never consulted: a file is
/// what its bytes say, and anything not on the allowlist is refused.
public enum FileTypeDetector {
    /// How many leading bytes detection and image dimensions look at.
    public static let sniffLength = 64 * 1024

    /// The type of a file starting with `prefix` (the first `sniffLength` bytes, or the whole file when shorter), or
    /// nil when it is not an allowed type. `isComplete` says `prefix` is the whole file, so a text file may end anywhere.
    public static func detect(_ prefix: [UInt8], isComplete: Bool) -> DetectedFileType? {
        let bytes = prefix[...]
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: Array("GIF87a".utf8)) || bytes.starts(with: Array("GIF89a".utf8)) { return .gif }
        if bytes.starts(with: Array("RIFF".utf8)), bytes.count >= 12 {
            if matches(bytes, "WEBP", at: 8) { return .webp }
            if matches(bytes, "WAVE", at: 8) { return .wav }
            return nil
        }
        if bytes.count >= 12, matches(bytes, "ftyp", at: 4) { return isoMedia(brand: Array(bytes[8..<12])) }
        if bytes.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return contains(bytes.prefix(64), Array("webm".utf8)) ? .webm : nil }
        if bytes.starts(with: Array("OggS".utf8)) { return .ogg }
        if bytes.starts(with: Array("ID3".utf8)) { return .mp3 }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] & 0xE0 == 0xE0, bytes[1] & 0x06 == 0x02 { return .mp3 }
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return zipFamily(bytes) }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return oleFamily(bytes) }
        var validator = UTF8StreamValidator()
        if validator.accept(bytes), !isComplete || validator.finish() { return .text }
        return nil
    }

    /// Width and height of an image from its first bytes (PNG IHDR, GIF screen, JPEG SOFn, WebP VP8/VP8L/VP8X).
    public static func imageDimensions(_ prefix: [UInt8], type: DetectedFileType) -> (width: Int, height: Int)? {
        let dimensions: (Int, Int)?
        switch type {
        case .png:
            guard prefix.count >= 24, matches(prefix[...], "IHDR", at: 12) else { return nil }
            dimensions = (bigEndian(prefix, 16, 4), bigEndian(prefix, 20, 4))
        case .gif:
            guard prefix.count >= 10 else { return nil }
            dimensions = (littleEndian(prefix, 6, 2), littleEndian(prefix, 8, 2))
        case .jpeg:
            dimensions = jpegDimensions(prefix)
        case .webp:
            dimensions = webpDimensions(prefix)
        default:
            return nil
        }
        guard let (width, height) = dimensions, width > 0, height > 0 else { return nil }
        return (width, height)
    }

    private static func isoMedia(brand: [UInt8]) -> DetectedFileType? {
        switch String(decoding: brand, as: UTF8.self) {
        case "qt  ": .mov
        case "M4A ", "M4B ": .m4a
        case "isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "M4V ", "mmp4", "MSNV": .mp4
        default: nil
        }
    }

    /// Office Open XML files are zips whose first entries name their part folders.
    private static func zipFamily(_ bytes: ArraySlice<UInt8>) -> DetectedFileType {
        guard contains(bytes, Array("[Content_Types].xml".utf8)) else { return .zip }
        if contains(bytes, Array("word/".utf8)) { return .docx }
        if contains(bytes, Array("xl/".utf8)) { return .xlsx }
        if contains(bytes, Array("ppt/".utf8)) { return .pptx }
        return .zip
    }

    /// Legacy Office files are OLE compound documents; the stream names (UTF-16LE) tell Word from Excel. Other OLE
    /// files (installers among them) are refused.
    private static func oleFamily(_ bytes: ArraySlice<UInt8>) -> DetectedFileType? {
        func utf16(_ text: String) -> [UInt8] { text.utf8.flatMap { [$0, 0] } }
        if contains(bytes, utf16("WordDocument")) { return .doc }
        if contains(bytes, utf16("Workbook")) || contains(bytes, utf16("Book")) { return .xls }
        return nil
    }

    private static func jpegDimensions(_ bytes: [UInt8]) -> (Int, Int)? {
        var index = 2
        while index + 3 < bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            if marker == 0xFF {
                index += 1
                continue
            }
            if marker == 0x01 || (0xD0...0xD9).contains(marker) {
                index += 2
                continue
            }
            let length = bigEndian(bytes, index + 2, 2)
            let isFrame = (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
            if isFrame {
                guard index + 8 < bytes.count else { return nil }
                return (bigEndian(bytes, index + 7, 2), bigEndian(bytes, index + 5, 2))
            }
            guard length >= 2 else { return nil }
            index += 2 + length
        }
        return nil
    }

    private static func webpDimensions(_ bytes: [UInt8]) -> (Int, Int)? {
        guard bytes.count >= 30 else { return nil }
        if matches(bytes[...], "VP8 ", at: 12), bytes[23] == 0x9D, bytes[24] == 0x01, bytes[25] == 0x2A {
            return (littleEndian(bytes, 26, 2) & 0x3FFF, littleEndian(bytes, 28, 2) & 0x3FFF)
        }
        if matches(bytes[...], "VP8L", at: 12), bytes[20] == 0x2F {
            let bits = littleEndian(bytes, 21, 4)
            return ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        }
        if matches(bytes[...], "VP8X", at: 12) {
            return (littleEndian(bytes, 24, 3) + 1, littleEndian(bytes, 27, 3) + 1)
        }
        return nil
    }

    private static func matches(_ bytes: ArraySlice<UInt8>, _ text: String, at offset: Int) -> Bool {
        let expected = Array(text.utf8)
        let start = bytes.startIndex + offset
        guard start + expected.count <= bytes.endIndex else { return false }
        return bytes[start..<start + expected.count].elementsEqual(expected)
    }

    private static func contains(_ bytes: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, bytes.count >= needle.count else { return false }
        var index = bytes.startIndex
        let last = bytes.endIndex - needle.count
        while index <= last {
            if bytes[index] == first, bytes[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    private static func bigEndian(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int {
        guard offset + count <= bytes.count else { return 0 }
        return bytes[offset..<offset + count].reduce(0) { $0 << 8 | Int($1) }
    }

    private static func littleEndian(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int {
        guard offset + count <= bytes.count else { return 0 }
        return bytes[offset..<offset + count].reversed().reduce(0) { $0 << 8 | Int($1) }
    }
}

/// Checks that a byte stream, fed in chunks of any size, is UTF-8 without NUL bytes. Chunks may split a character.
public struct UTF8StreamValidator: Sendable {
    /// Continuation bytes still expected by the character in progress.
    private var pending = 0
    /// The allowed range of the next continuation byte (narrowed after some lead bytes to refuse overlongs and surrogates).
    private var nextLow: UInt8 = 0x80
    private var nextHigh: UInt8 = 0xBF
    private var failed = false

    public init() {}

    /// Feeds the next bytes; false once the stream is known not to be valid text.
    public mutating func accept<Bytes: Collection>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        guard !failed else { return false }
        for byte in bytes {
            if pending > 0 {
                guard byte >= nextLow, byte <= nextHigh else { return fail() }
                pending -= 1
                nextLow = 0x80
                nextHigh = 0xBF
                continue
            }
            switch byte {
            case 0x00: return fail()
            case 0x01...0x7F: continue
            case 0xC2...0xDF: pending = 1
            case 0xE0: (pending, nextLow) = (2, 0xA0)
            case 0xE1...0xEC, 0xEE, 0xEF: pending = 2
            case 0xED: (pending, nextHigh) = (2, 0x9F)
            case 0xF0: (pending, nextLow) = (3, 0x90)
            case 0xF1...0xF3: pending = 3
            case 0xF4: (pending, nextHigh) = (3, 0x8F)
            default: return fail()
            }
        }
        return true
    }

    /// Whether the stream ended on a character boundary (call after the last chunk).
    public mutating func finish() -> Bool { !failed && pending == 0 }

    private mutating func fail() -> Bool {
        failed = true
        return false
    }
}
