// swift-tools-version:6.2
import Foundation
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "chatblizz",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chatblizz", targets: ["chatblizz"]),
        .executable(name: "socketio-conformance-server", targets: ["socketio-conformance-server"]),
        .executable(name: "chatblizz-bench", targets: ["chatblizz-bench"]),
        .library(name: "SocketIO", targets: ["SocketIO"]),
        .library(name: "HummingbirdSocketIO", targets: ["HummingbirdSocketIO"]),
        .library(name: "ChatCore", targets: ["ChatCore"]),
        .library(name: "ChatStoreSQL", targets: ["ChatStoreSQL"]),
    ],
    traits: [
        .trait(
            name: "MariaDB",
            description: "The MariaDB store (mariadb:// database URLs), through MariaDB Connector/C (Debian: libmariadb-dev)."
        ),
        .trait(
            name: "Kafka",
            description: "The Kafka message pipeline (CHATBLIZZ_KAFKA_BROKERS), through librdkafka (Debian: librdkafka-dev)."
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // MARK: Domain
        .target(name: "ChatCore", swiftSettings: swiftSettings),
        .target(name: "ChatCoreTesting", dependencies: ["ChatCore"], swiftSettings: swiftSettings),

        // MARK: Socket.IO protocol library and its Hummingbird adapter
        .target(
            name: "SocketIO",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HummingbirdSocketIO",
            dependencies: [
                "SocketIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Backends
        .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb", providers: [.apt(["libmariadb-dev"])]),
        .target(
            name: "ChatStoreSQL",
            dependencies: [
                "ChatCore",
                .target(name: "CMariaDB", condition: .when(traits: ["MariaDB"])),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChatRedis",
            dependencies: [
                "ChatCore", "SocketIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .target(
            name: "ChatKafka",
            dependencies: [
                "ChatCore",
                .target(name: "CRdKafka", condition: .when(traits: ["Kafka"])),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChatBlobStore",
            dependencies: [
                "ChatCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChatAuth",
            dependencies: [
                "ChatCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Composition root and executables
        .target(
            name: "ChatApp",
            dependencies: [
                "ChatCore", "ChatStoreSQL", "ChatAuth", "ChatRedis", "ChatKafka", "ChatBlobStore", "SocketIO", "HummingbirdSocketIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "chatblizz",
            dependencies: [
                "ChatApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "chatblizz-bench",
            dependencies: [
                "SocketIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "socketio-conformance-server",
            dependencies: [
                "SocketIO", "HummingbirdSocketIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "ChatTestSupport",
            dependencies: [
                "ChatCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            path: "Tests/ChatTestSupport",
            swiftSettings: swiftSettings
        ),
        .target(name: "AsyncTestSupport", path: "Tests/AsyncTestSupport", swiftSettings: swiftSettings),
        .target(name: "ProcessTestSupport", path: "Tests/ProcessTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "ChatCoreTests", dependencies: ["ChatCore", "ChatCoreTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SocketIOTests",
            dependencies: ["SocketIO", "AsyncTestSupport", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HummingbirdSocketIOTests",
            dependencies: [
                "SocketIO", "HummingbirdSocketIO", "AsyncTestSupport", "ProcessTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChatStoreSQLTests",
            dependencies: ["ChatCore", "ChatCoreTesting", "ChatStoreSQL"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChatAuthTests",
            dependencies: [
                "ChatCore", "ChatAuth", "ChatTestSupport",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChatRedisTests",
            dependencies: [
                "ChatCore", "ChatCoreTesting", "ChatRedis", "SocketIO", "AsyncTestSupport", "ProcessTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChatKafkaTests",
            dependencies: ["ChatCore", "ChatCoreTesting", "ChatKafka", "ChatStoreSQL", "AsyncTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChatBlobStoreTests",
            dependencies: [
                "ChatCore", "ChatCoreTesting", "ChatBlobStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChatAppTests",
            dependencies: [
                "ChatApp", "ChatAuth", "ChatCore", "ChatCoreTesting", "ChatKafka", "ChatStoreSQL", "ChatTestSupport", "AsyncTestSupport",
                "ProcessTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// Development aid: `CHATBLIZZ_ONLY=ChatCoreTests,ChatAuthTests swift test` builds only those test targets and what they
// depend on, so one unfinished target does not block the tests of another. Unset (CI, users), everything is built.
if let only = ProcessInfo.processInfo.environment["CHATBLIZZ_ONLY"], !only.isEmpty {
    let wanted = Set(only.split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) })
    let byName = Dictionary(uniqueKeysWithValues: package.targets.map { ($0.name, $0) })
    var keep = Set<String>()
    func visit(_ name: String) {
        guard keep.insert(name).inserted, let target = byName[name] else { return }
        for dependency in target.dependencies {
            if case .byNameItem(let depName, _) = dependency { visit(depName) }
            if case .targetItem(let depName, _) = dependency { visit(depName) }
        }
    }
    wanted.forEach(visit)
    package.targets = package.targets.filter { keep.contains($0.name) }
    package.products = package.products.filter { keep.contains($0.name) }  // every product is named after its target
}
