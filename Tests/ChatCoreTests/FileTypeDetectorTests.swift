import ChatCore
import ChatCoreTesting
import Testing

/// Sample file heads, built byte by byte.
enum SampleFiles {
    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8) + be32(width) + be32(height) + [8, 6, 0, 0, 0]
    }

    static func gif(width: UInt16, height: UInt16) -> [UInt8] { Array("GIF89a".utf8) + le16(width) + le16(height) + [0, 0, 0] }

    /// SOI, an APP0 segment, a DQT-like segment, then SOF2 (progressive).
    static func jpeg(width: UInt16, height: UInt16) -> [UInt8] {
        [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]
            + [0xFF, 0xDB, 0x00, 0x04, 0x00, 0x00]
            + [0xFF, 0xC2, 0x00, 0x11, 0x08] + be16(height) + be16(width) + [3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]
    }

    static func webp(chunk: String, payload: [UInt8]) -> [UInt8] {
        Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBP".utf8) + Array(chunk.utf8) + [0, 0, 0, 0] + payload + [UInt8](repeating: 0, count: 16)
    }

    static func be32(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((value >> UInt32($0)) & 0xFF) } }
    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3E, 0]
}

@Suite("File type detection, image dimensions and file names")
struct FileTypeDetectorTests {
    @Test func allowedTypesAreRecognisedFromTheirBytes() {
        func detect(_ bytes: [UInt8], complete: Bool = true) -> String? { FileTypeDetector.detect(bytes, isComplete: complete)?.fileExtension }
        func utf16(_ text: String) -> [UInt8] { text.utf8.flatMap { [$0, 0] } }
        #expect(detect(SampleFiles.png(width: 1, height: 1)) == "png")
        #expect(detect(SampleFiles.jpeg(width: 1, height: 1)) == "jpg")
        #expect(detect(SampleFiles.gif(width: 1, height: 1)) == "gif")
        #expect(detect(SampleFiles.webp(chunk: "VP8L", payload: [0x2F, 0, 0, 0, 0])) == "webp")
        #expect(detect([0, 0, 0, 0x20] + Array("ftypisom".utf8) + [0, 0, 2, 0]) == "mp4")
        #expect(detect([0, 0, 0, 0x14] + Array("ftypqt  ".utf8) + [0, 0, 2, 0]) == "mov")
        #expect(detect([0, 0, 0, 0x20] + Array("ftypM4A ".utf8) + [0, 0, 2, 0]) == "m4a")
        #expect(detect([0, 0, 0, 0x20] + Array("ftypheic".utf8) + [0, 0, 2, 0]) == nil, "HEIC is not on the allowlist")
        #expect(detect([0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x82, 0x84] + Array("webm".utf8)) == "webm")
        #expect(detect([0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x82, 0x88] + Array("matroska".utf8)) == nil)
        #expect(detect(Array("ID3".utf8) + [4, 0, 0, 0, 0, 0, 0]) == "mp3")
        #expect(detect([0xFF, 0xFB, 0x90, 0x64, 0, 0]) == "mp3")
        #expect(detect(Array("OggS".utf8) + [0, 2]) == "ogg")
        #expect(detect(Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVEfmt ".utf8)) == "wav")
        #expect(detect(Array("%PDF-1.7\n".utf8) + [0, 0xFF]) == "pdf")
        let zipHead: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0, 8, 0]
        #expect(detect(zipHead + Array("[Content_Types].xml....word/document.xml".utf8)) == "docx")
        #expect(detect(zipHead + Array("[Content_Types].xml....xl/workbook.xml".utf8)) == "xlsx")
        #expect(detect(zipHead + Array("[Content_Types].xml....ppt/presentation.xml".utf8)) == "pptx")
        #expect(detect(zipHead + Array("photos/a.jpg".utf8)) == "zip")
        let ole: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 40)
        #expect(detect(ole + utf16("WordDocument")) == "doc")
        #expect(detect(ole + utf16("Workbook")) == "xls")
        #expect(detect(ole + utf16("SummaryInformation")) == nil, "other OLE files (installers) are refused")
        #expect(detect(Array("héllo wörld 👋\nsecond line\n".utf8)) == "txt")
        #expect(detect([]) == "txt")
    }

    @Test func everythingElseIsRefused() {
        #expect(FileTypeDetector.detect(SampleFiles.elf, isComplete: true) == nil, "an ELF executable, whatever it is called")
        #expect(FileTypeDetector.detect(Array("MZ".utf8) + [0x90, 0, 3, 0, 0, 0], isComplete: true) == nil)
        #expect(FileTypeDetector.detect(Array("text with a NUL\0inside".utf8), isComplete: true) == nil)
        #expect(FileTypeDetector.detect([0x68, 0x69, 0xC3, 0x28], isComplete: true) == nil, "invalid UTF-8")
        #expect(FileTypeDetector.detect([0xED, 0xA0, 0x80], isComplete: true) == nil, "an encoded surrogate")
        #expect(FileTypeDetector.detect([0xC0, 0xAF], isComplete: true) == nil, "an overlong encoding")
        // A prefix may end inside a character; the whole file may not.
        #expect(FileTypeDetector.detect([0x68, 0xE2, 0x82], isComplete: false) == .text)
        #expect(FileTypeDetector.detect([0x68, 0xE2, 0x82], isComplete: true) == nil)
    }

    @Test func utf8IsValidatedAcrossChunkBoundaries() {
        let text = Array("a€😀b".utf8)
        for split in 0...text.count {
            var validator = UTF8StreamValidator()
            #expect(validator.accept(text[..<split]) && validator.accept(text[split...]) && validator.finish(), "split at \(split)")
        }
        var truncated = UTF8StreamValidator()
        #expect(truncated.accept(Array("a€😀".utf8).dropLast()) && !truncated.finish())
    }

    @Test func imageDimensionsComeFromTheHeaders() {
        func size(_ bytes: [UInt8]) -> [Int]? {
            guard let type = FileTypeDetector.detect(bytes, isComplete: true) else { return nil }
            return FileTypeDetector.imageDimensions(bytes, type: type).map { [$0.width, $0.height] }
        }
        #expect(size(SampleFiles.png(width: 640, height: 480)) == [640, 480])
        #expect(size(SampleFiles.png(width: 70_000, height: 1)) == [70_000, 1])
        #expect(size(SampleFiles.gif(width: 320, height: 200)) == [320, 200])
        #expect(size(SampleFiles.jpeg(width: 1920, height: 1080)) == [1920, 1080])
        // VP8 (lossy): frame tag, start code 9D 01 2A, 14-bit sizes.
        #expect(size(SampleFiles.webp(chunk: "VP8 ", payload: [0, 0, 0, 0x9D, 0x01, 0x2A, 0x20, 0x03, 0x58, 0x02])) == [800, 600])
        // VP8L (lossless): signature 0x2F, then width-1 and height-1 in 14 bits each.
        let bits = UInt32(99) | UInt32(49) << 14
        #expect(size(SampleFiles.webp(chunk: "VP8L", payload: [0x2F] + (0..<4).map { UInt8((bits >> UInt32($0 * 8)) & 0xFF) })) == [100, 50])
        // VP8X (extended): 24-bit canvas width-1 and height-1.
        #expect(size(SampleFiles.webp(chunk: "VP8X", payload: [0x10, 0, 0, 0, 0xFF, 0x0F, 0, 0x37, 0x04, 0])) == [4096, 1080])
        #expect(size(Array(SampleFiles.png(width: 9, height: 9).prefix(20))) == nil, "a header cut short has no size")
        #expect(size(SampleFiles.jpeg(width: 0, height: 10)) == nil)
        #expect(size(Array("plain text".utf8)) == nil)
    }

    @Test func fileNamesAreSanitised() {
        #expect(FileName.sanitize("../../etc/passwd") == "passwd")
        #expect(FileName.sanitize("C:\\Users\\me\\report.pdf") == "report.pdf")
        #expect(FileName.sanitize("naïve café 📷.png") == "naïve café 📷.png")
        #expect(FileName.sanitize("a\u{0}b\u{1F}c\u{7F}\u{202E}gnp.exe") == "abcgnp.exe")
        #expect(FileName.sanitize("  spaced.txt  ") == "spaced.txt")
        #expect(FileName.sanitize("..") == "file")
        #expect(FileName.sanitize("dir/") == "dir")
        #expect(FileName.sanitize("") == "file")
        #expect(FileName.sanitize("\u{1}\u{2}") == "file")
        let long = String(repeating: "é", count: 300) + ".jpeg"
        let cut = FileName.sanitize(long)
        #expect(cut.utf8.count <= FileName.maxBytes && cut.hasSuffix(".jpeg") && cut.hasPrefix("éé"))
        #expect(FileName.asciiFallback("naïve \"q\" 50%.png") == "na_ve _q_ 50_.png")
    }
}

@Suite("FileService")
struct FileServiceTests {
    static func service(blobs: MemoryBlobStore, files: MemoryFileStore = MemoryFileStore()) -> FileService {
        let users = MemoryUserStore()
        let friendships = MemoryFriendshipStore()
        let messages = MemoryMessageStore()
        let events = MemoryEventBus()
        let messaging = MessagingService(
            messages: messages,
            pipeline: DirectMessagePipeline(store: messages),
            friendships: FriendshipService(friendships: friendships, users: users, events: events),
            users: users,
            events: events,
            ids: IdentifierGenerator()
        )
        return FileService(files: files, blobs: blobs, messaging: messaging)
    }

    @Test func stagingDetectsTypeSizeAndName() async throws {
        let blobs = MemoryBlobStore()
        let service = Self.service(blobs: blobs)
        let bytes = SampleFiles.png(width: 3, height: 2) + [UInt8](repeating: 7, count: 200_000)
        let staged = try await service.stage(
            body: BlobBody(bytes: bytes, chunkSize: 1000),
            fileName: "../x/y.png",
            maxBytes: 1 << 20,
            limitMessage: "big"
        )
        #expect(staged.type == .png && staged.width == 3 && staged.height == 2 && staged.name == "y.png")
        #expect(staged.info.size == Int64(bytes.count))
        var stored: [UInt8] = []
        for try await chunk in try await blobs.get(key: staged.key) { stored += chunk }
        #expect(stored == bytes)
        await service.discard([staged])
        #expect(try await blobs.head(key: staged.key) == nil)
    }

    @Test func refusedUploadsLeaveNothing() async throws {
        let blobs = MemoryBlobStore()
        let service = Self.service(blobs: blobs)
        await Fixtures.expectChatError(.unsupportedMediaType) {
            try await service.stage(
                body: BlobBody(bytes: SampleFiles.elf + [UInt8](repeating: 1, count: 100)),
                fileName: "a.png",
                maxBytes: 1000,
                limitMessage: ""
            )
        }
        // Text that turns invalid after the sniffed prefix is refused at the end, and nothing is kept.
        let text = [UInt8](repeating: UInt8(ascii: "a"), count: 100_000) + [0]
        await Fixtures.expectChatError(.unsupportedMediaType) {
            try await service.stage(body: BlobBody(bytes: text, chunkSize: 4096), fileName: "a.txt", maxBytes: 1 << 20, limitMessage: "")
        }
        await Fixtures.expectChatError(.payloadTooLarge) {
            try await service.stage(
                body: BlobBody(bytes: SampleFiles.gif(width: 1, height: 1) + [UInt8](repeating: 0, count: 5000)),
                fileName: "a.gif",
                maxBytes: 1000,
                limitMessage: "too big"
            )
        }
    }
}
