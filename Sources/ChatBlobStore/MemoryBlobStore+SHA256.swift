import ChatCore
import Crypto

extension MemoryBlobStore {
    /// A memory store that records real SHA-256 hashes (ChatCore itself links no crypto library).
    public static func hashing() -> MemoryBlobStore {
        MemoryBlobStore(sha256: { S3Signer.hex(SHA256.hash(data: $0)) })
    }
}
