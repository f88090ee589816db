import ArgumentParser
import NIOCore
import NIOHTTP1
import SocketIO

struct HistoryCommand: BenchScenarioCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "REST keyset paging of a long conversation by concurrent readers; page latency, pages/s, every walk verified.",
        discussion: """
            Seeds one conversation of --messages messages through POST /api/v2/conversations/{userId}/messages, then \
            --clients concurrent readers walk it from the newest message back (GET …/messages?limit=L, then \
            before=nextCursor until hasMore is false), again and again for --warmup + --duration seconds. Each complete \
            walk must return every seeded message exactly once, newest first by (createdAt, id). Ends with
              verification: walks=N complete_in_order=N bad=0
            and exits non-zero when a walk was bad. ChatBlizz only (--target relay has no REST API). --page-size above \
            100 needs CHATBLIZZ_MAX_PAGE_SIZE.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "Messages in the seeded conversation (M).")
    var messages = 2000

    @Option(help: "Concurrent readers (C).")
    var clients = 8

    @Option(help: "Messages per page (the limit parameter).")
    var pageSize = 50

    func validate() throws {
        try self.common.validateCommon()
        guard self.common.target == .chatblizz else { throw ValidationError("history needs --target chatblizz (REST)") }
        guard self.messages >= 1, self.clients >= 1 else { throw ValidationError("--messages and --clients must be at least 1") }
        guard (1...1000).contains(self.pageSize) else { throw ValidationError("--page-size must be 1...1000") }
    }

    func runScenario(_ environment: BenchEnvironment) async throws -> BenchReport {
        var report = BenchReport(scenario: "history", options: self.common)
        report.parameters["messages"] = String(self.messages)
        report.parameters["clients"] = String(self.clients)
        report.parameters["page_size"] = String(self.pageSize)
        let users = try await environment.makeUsers(2)
        try await environment.provisioner.befriend([(users[0], users[1])], progress: false)
        Output.status("seeding \(self.messages) messages")
        let rest = environment.rest
        let runID = environment.runID
        let seedStart = Clock.nanos
        _ = try await environment.provisioner.forEach(self.messages, progressLabel: "seeded") { index in
            let sender = users[index % 2]
            let recipient = users[1 - index % 2]
            let body: JSONValue = ["text": .string("history \(index)"), "clientMessageId": .string("h\(runID)-\(index)")]
            _ = try await rest.expect(.POST, "/api/v2/conversations/\(recipient.id)/messages", token: sender.token, body: body, what: "seed message")
            return 0
        }
        let seedSeconds = Double(Clock.nanos - seedStart) / 1e9
        report.add("seed messages / s (REST, \(environment.options.setupConcurrency) concurrent)", Double(self.messages) / seedSeconds, "msg/s")

        let start = Clock.nanos
        let measureStart = start + UInt64(self.common.warmup * 1e9)
        let end = measureStart + UInt64(self.common.duration * 1e9)
        let reader = HistoryReader(rest: rest, users: users, pageSize: self.pageSize, expected: self.messages, runID: runID)
        let sampling = Task { () -> (ProcessSample?, ProcessSample?, ProcessSample?, ProcessSample?) in
            try? await BenchEnvironment.sleep(until: measureStart)
            let before = (environment.sampleServer(), environment.sampleClient())
            try? await BenchEnvironment.sleep(until: end)
            return (before.0, environment.sampleServer(), before.1, environment.sampleClient())
        }
        let results = try await withThrowingTaskGroup(of: HistoryReader.Result.self) { group in
            for client in 0..<self.clients {
                group.addTask { try await reader.run(client: client, measureStart: measureStart, end: end) }
            }
            var total = HistoryReader.Result()
            for try await result in group { total.add(result) }
            return total
        }
        let (serverBefore, serverAfter, clientBefore, clientAfter) = await sampling.value

        report.add(latency: "page", results.latency)
        report.add("pages / s (window)", Double(results.pagesInWindow) / self.common.duration, "pages/s")
        report.add("messages read / s (window)", Double(results.messagesInWindow) / self.common.duration, "msg/s")
        report.add("complete walks", Double(results.walks), "")
        report.add("page errors", Double(results.errors), "")
        for problem in results.problems.prefix(5) { report.notes.append(problem) }
        report.addResources(
            ResourceUsage(server: pair(serverBefore, serverAfter), client: pair(clientBefore, clientAfter)),
            perUnit: [(results.pagesInWindow, "page")]
        )
        report.verification = "verification: walks=\(results.walks) complete_in_order=\(results.goodWalks) bad=\(results.walks - results.goodWalks)"
        report.passed = results.walks > 0 && results.walks == results.goodWalks && results.errors == 0
        return report
    }
}

/// One reader: walks the conversation from the newest message to the oldest, again and again.
struct HistoryReader: Sendable {
    let rest: RESTClient
    let users: [BenchUser]
    let pageSize: Int
    let expected: Int
    let runID: String

    struct Result: Sendable {
        var latency = LatencyHistogram()
        var pagesInWindow = 0
        var messagesInWindow = 0
        var walks = 0
        var goodWalks = 0
        var errors = 0
        var problems: [String] = []

        mutating func add(_ other: Result) {
            self.latency.add(other.latency)
            self.pagesInWindow += other.pagesInWindow
            self.messagesInWindow += other.messagesInWindow
            self.walks += other.walks
            self.goodWalks += other.goodWalks
            self.errors += other.errors
            self.problems += other.problems
        }
    }

    func run(client: Int, measureStart: UInt64, end: UInt64) async throws -> Result {
        var result = Result()
        let reader = self.users[client % 2]
        let peer = self.users[1 - client % 2]
        let prefix = "h\(self.runID)-"
        while Clock.nanos < end {
            var cursor: String?
            var seen = Set<Int>()
            var previous: (String, String)?
            var inOrder = true
            var complete = false
            walk: while Clock.nanos < end {
                var path = "/api/v2/conversations/\(peer.id)/messages?limit=\(self.pageSize)"
                if let cursor { path += "&before=\(cursor)" }
                let sent = Clock.nanos
                let response = try await self.rest.request(.GET, path, token: reader.token)
                let now = Clock.nanos
                guard response.status == 200, let page = response.json, let messages = page["messages"]?.arrayValue else {
                    result.errors += 1
                    result.problems.append("page failed: \(response.errorDescription)")
                    break walk
                }
                if sent >= measureStart, now <= end {
                    result.latency.record(nanoseconds: now - sent)
                    result.pagesInWindow += 1
                    result.messagesInWindow += messages.count
                }
                for message in messages {
                    let key = (message["createdAt"]?.stringValue ?? "", message["id"]?.stringValue ?? "")
                    if let previous, !(key.0 < previous.0 || (key.0 == previous.0 && key.1 < previous.1)) { inOrder = false }
                    previous = key
                    if let id = message["clientMessageId"]?.stringValue, id.hasPrefix(prefix), let number = Int(id.dropFirst(prefix.count)) {
                        if !seen.insert(number).inserted { inOrder = false }
                    } else {
                        inOrder = false
                    }
                }
                guard page["hasMore"]?.boolValue == true, let next = page["nextCursor"]?.stringValue else {
                    complete = true
                    break walk
                }
                cursor = next
            }
            guard complete else { continue }
            result.walks += 1
            if inOrder, seen.count == self.expected {
                result.goodWalks += 1
            } else {
                result.problems.append("walk by client \(client): \(seen.count) of \(self.expected) messages, in order: \(inOrder)")
            }
        }
        return result
    }
}
