import Testing

@testable import SocketIO

@Suite struct SocketIORecoveryStoreTests {
    let t0 = ContinuousClock.now

    /// The offset is appended in place to an event made for it, and never to a copy someone else holds.
    @Test func stampingLeavesSharedPacketsAlone() throws {
        var store = SocketIORecoveryStore(maxDisconnectionDuration: .seconds(120))
        let original = SocketIOPacket(type: .event, data: .eventArray("tick", [1]))
        var stamped = original
        store.record(&stamped, target: .init(), now: self.t0, wallClockMillis: 1_700_000_000_000)
        #expect(original.data == ["tick", 1])
        let offset = try #require(stamped.data?.arrayValue?.last?.stringValue)
        #expect(stamped.data == ["tick", 1, .string(offset)])
    }

    @Test func offsetsAreAppendedAndMissedPacketsFiltered() throws {
        var store = SocketIORecoveryStore(maxDisconnectionDuration: .seconds(120))
        let millis: Int64 = 1_700_000_000_000
        let all = store.record(SocketIOPacket(type: .event, data: ["tick", 1]), target: .init(), now: self.t0, wallClockMillis: millis)
        let toA = store.record(SocketIOPacket(type: .event, data: ["tick", 2]), target: .init(rooms: ["a"]), now: self.t0, wallClockMillis: millis)
        let notA = store.record(SocketIOPacket(type: .event, data: ["tick", 3]), target: .init(except: ["a"]), now: self.t0, wallClockMillis: millis)
        let toB = store.record(
            SocketIOPacket(type: .event, data: ["tick", 4]),
            target: .init(rooms: ["b"]),
            now: self.t0,
            wallClockMillis: millis + 1
        )
        let firstOffset = try #require(all.data?.arrayValue?.last?.stringValue)
        #expect(toA.data?.arrayValue?.last?.stringValue == firstOffset + ".0")
        #expect(notA.data?.arrayValue?.last?.stringValue == firstOffset + ".1")
        #expect(toB.data?.arrayValue?.last?.stringValue?.contains(".") == false)

        store.persist(.init(sid: "s1", pid: "p1", rooms: ["s1", "a"], data: ["user": "u"], disconnectedAt: self.t0))
        let restoredValue = store.restore(pid: "p1", offset: firstOffset, now: self.t0 + .seconds(1))
        let restored = try #require(restoredValue)
        #expect(restored.0.sid == "s1")
        #expect(restored.0.rooms == ["s1", "a"])
        #expect(restored.0.data == ["user": "u"])
        #expect(restored.1 == [toA])
        let again = store.restore(pid: "p1", offset: firstOffset, now: self.t0)
        #expect(again == nil, "a session is restored once")
    }

    @Test func expiredOrUnknownOffsetGivesAFreshConnection() {
        var store = SocketIORecoveryStore(maxDisconnectionDuration: .seconds(120))
        let packet = store.record(SocketIOPacket(type: .event, data: ["x"]), target: .init(), now: self.t0, wallClockMillis: 1)
        let offset = packet.data?.arrayValue?.last?.stringValue ?? ""
        store.persist(.init(sid: "s", pid: "p", rooms: ["s"], data: nil, disconnectedAt: self.t0))
        let unknown = store.restore(pid: "p", offset: "nope", now: self.t0)
        #expect(unknown == nil)
        store.persist(.init(sid: "s", pid: "p", rooms: ["s"], data: nil, disconnectedAt: self.t0))
        let expired = store.restore(pid: "p", offset: offset, now: self.t0 + .seconds(121))
        #expect(expired == nil)
        store.persist(.init(sid: "s", pid: "p", rooms: ["s"], data: nil, disconnectedAt: self.t0))
        store.prune(now: self.t0 + .seconds(200))
        #expect(store.sessions.isEmpty)
        #expect(store.entries.isEmpty && store.emittedAt.isEmpty)
    }

    @Test func theLogKeepsAtMostMaxPacketsAndOlderOffsetsGiveAFreshConnection() throws {
        var store = SocketIORecoveryStore(maxDisconnectionDuration: .seconds(120), maxPackets: 3)
        let offsets = (0..<5).map { index in
            store.record(SocketIOPacket(type: .event, data: ["tick", .number(Double(index))]), target: .init(), now: self.t0, wallClockMillis: 1)
                .data?.arrayValue?.last?.stringValue ?? ""
        }
        #expect(store.entries.count == 3)
        store.persist(.init(sid: "s", pid: "p", rooms: ["s"], data: nil, disconnectedAt: self.t0))
        #expect(store.restore(pid: "p", offset: offsets[0], now: self.t0) == nil, "the packet after it was dropped")
        store.persist(.init(sid: "s", pid: "p", rooms: ["s"], data: nil, disconnectedAt: self.t0))
        let restoredValue = store.restore(pid: "p", offset: offsets[2], now: self.t0)
        let restored = try #require(restoredValue)
        #expect(restored.1.map { $0.data?.arrayValue?[1] } == [3, 4])
    }

    @Test func serverRestoresSessionAndReplaysMissedEvents() async throws {
        let io = SocketIOServer(configuration: SocketIOConfiguration(connectionStateRecovery: .init()))
        let (events, continuation) = AsyncStream<String>.makeStream()
        io.namespace("/").onConnect { socket in
            await socket.join("room")
            continuation.yield("connect recovered=\(socket.recovered)")
        }
        io.namespace("/").onDisconnect { _, reason in continuation.yield("disconnect \(reason)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await io.run() }
            var iterator = events.makeAsyncIterator()
            let first = try await TestPollingClient.connect(io.engine)
            _ = await first.post("40")
            let reply = try JSONValue(parsing: String((await first.messages()).first?.dropFirst() ?? ""))
            #expect(await iterator.next() == "connect recovered=false")
            let sid = try #require(reply["sid"]?.stringValue)
            let pid = try #require(reply["pid"]?.stringValue)
            await io.to("room").emit("tick", 1)
            let tick = try JSONValue(parsing: String((await first.messages()).first?.dropFirst() ?? ""))
            let offset = try #require(tick.arrayValue?.last?.stringValue)
            #expect(tick.arrayValue?.prefix(2) == ["tick", 1])
            _ = await first.post("1")
            #expect(await iterator.next() == "disconnect transport close")
            await io.to("room").emit("tick", 2)

            let second = try await TestPollingClient.connect(io.engine)
            _ = await second.post("40{\"pid\":\"\(pid)\",\"offset\":\"\(offset)\"}")
            let messages = await second.messages(count: 2)
            #expect(messages.count == 2)
            #expect(messages.first?.hasPrefix("2[\"tick\",2,\"") == true, "missed event replayed first: \(messages)")
            let restored = try JSONValue(parsing: String(messages.last?.dropFirst() ?? ""))
            #expect(restored["sid"]?.stringValue == sid)
            #expect(restored["pid"]?.stringValue == pid)
            #expect(await iterator.next() == "connect recovered=true")
            #expect(await io.namespace("/").socket(id: sid)?.rooms.contains("room") == true)
            io.shutdown()
            try await group.waitForAll()
        }
    }

    /// Rooms joined and left by `socketsJoin` / `socketsLeave` are the socket's rooms everywhere: in `rooms`, in
    /// `fetchSockets`, and in the session that recovery restores.
    @Test func roomsChangedByServerOperationsAreKeptAndRestored() async throws {
        let io = SocketIOServer(configuration: SocketIOConfiguration(connectionStateRecovery: .init()))
        io.namespace("/").onConnect { socket in await socket.join("room") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await io.run() }
            let first = try await TestPollingClient.connect(io.engine)
            _ = await first.post("40")
            let reply = try JSONValue(parsing: String((await first.messages()).first?.dropFirst() ?? ""))
            let sid = try #require(reply["sid"]?.stringValue)
            let pid = try #require(reply["pid"]?.stringValue)
            let socket = try #require(io.namespace("/").socket(id: sid))
            await io.to(sid).socketsJoin("extra")
            await io.to("room").socketsLeave("room")
            #expect(await socket.rooms == [sid, "extra"])
            #expect(await io.namespace("/").fetchSockets().first?.rooms == [sid, "extra"])
            await io.to("extra").emit("tick", 1)
            let tick = try JSONValue(parsing: String((await first.messages()).first?.dropFirst() ?? ""))
            let offset = try #require(tick.arrayValue?.last?.stringValue)
            _ = await first.post("1")
            await io.to("room").emit("tick", 2)
            await io.to("extra").emit("tick", 3)
            // The session is kept for recovery when the server handles the close; a busy machine may handle it after
            // the second connection asks to recover, which then starts a new session.
            let closed = ContinuousClock.now + .seconds(10)
            while io.namespace("/").socket(id: sid) != nil, ContinuousClock.now < closed { try await Task.sleep(for: .milliseconds(10)) }
            #expect(io.namespace("/").socket(id: sid) == nil, "the server handled the close")

            let second = try await TestPollingClient.connect(io.engine)
            _ = await second.post("40{\"pid\":\"\(pid)\",\"offset\":\"\(offset)\"}")
            let messages = await second.messages(count: 2)
            #expect(messages.first?.hasPrefix("2[\"tick\",3,\"") == true, "only the event to a room it is in: \(messages)")
            let restored = try #require(io.namespace("/").socket(id: sid))
            // Restored to the rooms it had, then the connect handler ran again and joined "room".
            #expect(await restored.rooms == [sid, "extra", "room"])
            io.shutdown()
            try await group.waitForAll()
        }
    }
}
