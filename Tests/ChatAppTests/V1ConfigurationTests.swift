import ChatApp
import Testing

/// `FIREBASE_PROJECT_ID` and `FIREBASE_CERTS_URL` in `AppConfiguration`.
@Suite("V1 Firebase configuration")
struct V1ConfigurationTests {
    @Test func firebaseIsOffUnlessConfigured() throws {
        #expect(try AppConfiguration(environment: [:]).firebase == nil)
        let configured = try AppConfiguration(environment: ["FIREBASE_PROJECT_ID": "my-project", "FIREBASE_CERTS_URL": "http://127.0.0.1:9/certs"])
        #expect(configured.firebase?.projectID == "my-project")
        #expect(configured.firebase?.certificatesURL == "http://127.0.0.1:9/certs")
    }

    @Test(arguments: [
        (["FIREBASE_PROJECT_ID": "bad id!"], "FIREBASE_PROJECT_ID"),
        (["FIREBASE_PROJECT_ID": "my-project", "FIREBASE_CERTS_URL": "ftp://example.com/certs"], "FIREBASE_CERTS_URL"),
    ])
    func invalidValuesNameTheirKey(_ environment: [String: String], _ key: String) {
        #expect {
            try AppConfiguration(environment: environment)
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }
}
