import Foundation

/// Just enough XML for S3's answers: the text of the first `<Tag>` or of every one. S3's documents are flat and
/// machine-written, so a tag search is reliable and keeps an XML parser (and libxml2) out of the build.
enum S3XML {
    static func value(of tag: String, in text: String) -> String? { values(of: tag, in: text).first }

    static func values(of tag: String, in text: String) -> [String] {
        var results: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(tag)>"), let close = rest[open.upperBound...].range(of: "</\(tag)>") {
            results.append(unescape(String(rest[open.upperBound..<close.lowerBound])))
            rest = rest[close.upperBound...]
        }
        return results
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
