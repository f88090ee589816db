// swift-tools-version:6.2

import Foundation
import PackageDescription

// Micro-benchmarks for ChatBlizz (issue 8), run with `scripts/bench` or
// `swift package --package-path Benchmarks benchmark`. A nested package, like SwiftNIO's, so that the root package
// does not depend on package-benchmark.
//
// The SQLite benchmark needs the root package to vend `ChatStoreSQL` as a library product. The root package does, so
// the `ChatStoreSQLBenchmarks` target is included. The check stays so that the benchmark package still builds (without
// that target) against older checkouts of the root package, which did not vend the product.
let rootManifest = (try? String(contentsOfFile: Context.packageDirectory + "/../Package.swift", encoding: .utf8)) ?? ""
let rootVendsChatStoreSQL = rootManifest.contains(#".library(name: "ChatStoreSQL""#)

let package = Package(
    name: "benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "chatblizz", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "SocketIOBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SocketIO", package: "chatblizz"),
            ],
            path: "Benchmarks/SocketIOBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ChatCoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ChatCore", package: "chatblizz"),
            ],
            path: "Benchmarks/ChatCoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

if rootVendsChatStoreSQL {
    package.targets.append(
        .executableTarget(
            name: "ChatStoreSQLBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ChatCore", package: "chatblizz"),
                .product(name: "ChatStoreSQL", package: "chatblizz"),
            ],
            path: "Benchmarks/ChatStoreSQLBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    )
}
