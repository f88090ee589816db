import ChatAuth
import ChatCore
import Testing

struct PasswordHasherTests {
    @Test func hashesAndVerifies() async throws {
        let hasher = try PasswordHasher(cost: 4)
        let hash = try await hasher.hash("pässwörd-123")
        #expect(hash.hasPrefix("$2b$04$"))
        #expect(await hasher.verify("pässwörd-123", against: hash))
        #expect(await hasher.verify("pässwörd-124", against: hash) == false)
        #expect(await hasher.verify("pässwörd-123", against: "not a bcrypt hash") == false)
        #expect(try await hasher.hash("pässwörd-123") != hash)
    }

    @Test func rejectsOutOfRangeCost() {
        #expect(throws: AuthConfigurationError.self) { _ = try PasswordHasher(cost: 3) }
        #expect(throws: AuthConfigurationError.self) { _ = try PasswordHasher(cost: 32) }
    }

    @Test(arguments: ["1234567", String(repeating: "a", count: 73), String(repeating: "ü", count: 37), "abcd\u{0}efgh"])
    func rejectsInvalidPasswords(_ password: String) async throws {
        let error = #expect(throws: ChatError.self) { try PasswordHasher.validate(password) }
        #expect(error?.code == .validationFailed)
        #expect(error?.field == "password")
    }

    @Test(arguments: ["12345678", String(repeating: "a", count: 72), String(repeating: "ü", count: 36)])
    func acceptsValidPasswords(_ password: String) throws {
        try PasswordHasher.validate(password)
    }
}
