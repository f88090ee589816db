/// The rules for values users choose. Each check throws `ChatError` naming the field.
public enum UserValidation {
    public static let usernameLength = 3...32
    public static let maxEmailLength = 254
    public static let maxDisplayNameLength = 64
    public static let maxAvatarURLLength = 2048

    /// 3 to 32 characters of ASCII letters, digits, `_`, `.` and `-`, starting with a letter or digit.
    public static func validateUsername(_ username: String) throws {
        let scalars = username.unicodeScalars
        guard usernameLength.contains(scalars.count) else {
            throw ChatError.validation("username must be \(usernameLength.lowerBound) to \(usernameLength.upperBound) characters", field: "username")
        }
        for (index, scalar) in scalars.enumerated() {
            let isAlnum = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
            guard isAlnum || (index > 0 && (scalar == "_" || scalar == "." || scalar == "-")) else {
                throw ChatError.validation(
                    "username may hold only letters, digits, '_', '.' and '-', and must start with a letter or digit",
                    field: "username"
                )
            }
        }
    }

    /// A plausible address: one `@`, non-empty local part and a dotted domain, no spaces, at most 254 characters.
    /// Returns it lower-cased.
    public static func normalizedEmail(_ email: String) throws -> String {
        let trimmed = email.lowercased()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard trimmed.utf8.count <= maxEmailLength, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !trimmed.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 })
        else { throw ChatError.validation("email is not a valid address", field: "email") }
        return trimmed
    }

    public static func validateDisplayName(_ name: String?) throws {
        guard let name else { return }
        guard name.count <= maxDisplayNameLength, !name.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw ChatError.validation("displayName must be at most \(maxDisplayNameLength) printable characters", field: "displayName")
        }
    }

    public static func validateAvatarURL(_ url: String?) throws {
        guard let url else { return }
        let lower = url.lowercased()
        guard url.utf8.count <= maxAvatarURLLength, lower.hasPrefix("https://") || lower.hasPrefix("http://"),
            !url.unicodeScalars.contains(where: { $0.properties.isWhitespace })
        else { throw ChatError.validation("avatarUrl must be an http(s) URL of at most \(maxAvatarURLLength) characters", field: "avatarUrl") }
    }
}
