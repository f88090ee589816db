import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Where and how benchmark sockets connect: one channel pipeline per connection (HTTP/1.1 upgrade to WebSocket, then
/// ``SocketIOClientHandler``), many connections per event loop.
struct WebSocketConnector: Sendable {
    /// The nodes' host and port; connection `node` goes to `nodes[node % nodes.count]`.
    let nodes: [(host: String, port: Int)]
    /// The request target of the upgrade, e.g. `/socket.io/?EIO=4&transport=websocket`.
    let path: String
    /// Local addresses to bind, used round-robin so that one address's ephemeral ports do not limit the count.
    let sourceAddresses: [SocketAddress]
    /// Largest inbound WebSocket frame.
    let maxFrameSize: Int

    init(urls: [BenchURL], sourceAddresses: [String], maxFrameSize: Int = 1 << 20) throws {
        guard !urls.isEmpty else { throw BenchError("no server URL") }
        self.nodes = urls.map { ($0.host, $0.port) }
        self.path = "/socket.io/?EIO=4&transport=websocket"
        self.sourceAddresses = try sourceAddresses.map { try SocketAddress(ipAddress: $0, port: 0) }
        self.maxFrameSize = maxFrameSize
    }

    /// Opens connection number `index` on `loop`. `makeHandler` runs on `loop` once the upgrade succeeded and returns
    /// the handler to install; `ended` runs on `loop` when the TCP connection fails or closes, whether or not the
    /// upgrade happened.
    func connect(
        index: Int,
        node: Int,
        on loop: any EventLoop,
        makeHandler: @escaping @Sendable () -> SocketIOClientHandler?,
        ended: @escaping @Sendable (String) -> Void
    ) {
        var bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(30))
        if !self.sourceAddresses.isEmpty {
            bootstrap = bootstrap.bind(to: self.sourceAddresses[index % self.sourceAddresses.count])
        }
        let (host, port) = self.nodes[node % self.nodes.count]
        let path = self.path
        let maxFrameSize = self.maxFrameSize
        let future = bootstrap.channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let upgrader = NIOTypedWebSocketClientUpgrader<Bool>(maxFrameSize: maxFrameSize) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard let handler = makeHandler() else { return false }
                        try channel.pipeline.syncOperations.addHandler(
                            NIOWebSocketFrameAggregator(
                                minNonFinalFragmentSize: 0,
                                maxAccumulatedFrameCount: 256,
                                maxAccumulatedFrameSize: maxFrameSize
                            )
                        )
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return true
                    }
                }
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: "\(host):\(port)")
                headers.add(name: "Content-Length", value: "0")
                let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                let upgrade = NIOTypedHTTPClientUpgradeConfiguration<Bool>(
                    upgradeRequestHead: head,
                    upgraders: [upgrader],
                    notUpgradingCompletionHandler: { channel in
                        channel.close(promise: nil)
                        return channel.eventLoop.makeSucceededFuture(false)
                    }
                )
                var configuration = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgrade)
                // The server may send the Engine.IO `open` packet in the same segment as the 101 response.
                configuration.leftOverBytesStrategy = .forwardBytes
                _ = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
            }
        }.connect(host: host, port: port)
        future.whenComplete { result in
            switch result {
            case .success(let channel):
                channel.closeFuture.whenComplete { _ in ended("closed") }
            case .failure(let error):
                ended("connect failed: \(error)")
            }
        }
    }
}

/// A parsed `http://host:port` base URL.
struct BenchURL: Sendable {
    let host: String
    let port: Int
    let base: String

    init(_ text: String) throws {
        var rest = Substring(text)
        guard rest.hasPrefix("http://") else { throw BenchError("--url must start with http:// (TLS is not supported): \(text)") }
        rest = rest.dropFirst("http://".count)
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/") else { throw BenchError("--url must not have a path: \(text)") }
        let parts = rest.split(separator: ":", maxSplits: 1)
        guard let hostPart = parts.first, !hostPart.isEmpty else { throw BenchError("--url has no host: \(text)") }
        self.host = String(hostPart)
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port) else { throw BenchError("--url has a bad port: \(text)") }
            self.port = port
        } else {
            self.port = 80
        }
        self.base = "http://\(self.host):\(self.port)"
    }
}

/// A fatal benchmark error with a message for the operator.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
