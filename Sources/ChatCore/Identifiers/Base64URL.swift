import Foundation

/// Base64url (RFC 4648 §5) without padding, as JWTs, refresh tokens and pagination cursors use it.
public enum Base64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes without padding, straight to the URL-safe alphabet (cursors are encoded for every message sent).
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        bytes.withContiguousStorageIfAvailable { encode(contiguous: $0) } ?? Array(bytes).withUnsafeBufferPointer { encode(contiguous: $0) }
    }

    /// Writes the encoding straight into the string's storage: one allocation.
    private static func encode(contiguous input: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: (input.count * 4 + 2) / 3) { output in
            var end = 0
            func put(_ chunk: UInt32, _ shift: UInt32) {
                output[end] = alphabet[Int(chunk >> shift & 0x3F)]
                end += 1
            }
            var index = 0
            while index + 3 <= input.count {
                let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                put(chunk, 18)
                put(chunk, 12)
                put(chunk, 6)
                put(chunk, 0)
                index += 3
            }
            switch input.count - index {
            case 1:
                let chunk = UInt32(input[index]) << 16
                put(chunk, 18)
                put(chunk, 12)
            case 2:
                let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
                put(chunk, 18)
                put(chunk, 12)
                put(chunk, 6)
            default:
                break
            }
            return end
        }
    }

    /// Decodes base64url or standard base64, padded or not. Returns nil for anything else.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        switch standard.utf8.count % 4 {
        case 0: break
        case 2: standard += "=="
        case 3: standard += "="
        default: return nil
        }
        return Data(base64Encoded: standard).map { [UInt8]($0) }
    }
}
