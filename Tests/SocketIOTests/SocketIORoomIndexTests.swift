import Testing

@testable import SocketIO

@Suite struct SocketIORoomIndexTests {
    /// Three sockets: s1 and s2 in `user:a`, s3 in `user:b`, every socket in its own room.
    var index: SocketIORoomIndex {
        var index = SocketIORoomIndex()
        index.join("s1", rooms: ["s1", "user:a"])
        index.join("s2", rooms: ["s2", "user:a"])
        index.join("s3", rooms: ["s3", "user:b"])
        return index
    }

    @Test func targetsReachTheRightSockets() {
        let index = self.index
        #expect(index.socketIDs(.init()) == ["s1", "s2", "s3"])
        #expect(index.socketIDs(.init(rooms: ["user:a"])) == ["s1", "s2"])
        #expect(index.socketIDs(.init(rooms: ["user:a", "user:b"])) == ["s1", "s2", "s3"])
        #expect(index.socketIDs(.init(rooms: ["user:a", "user:b"], except: ["s2"])) == ["s1", "s3"])
        #expect(index.socketIDs(.init(rooms: ["user:a"], except: ["s1"])) == ["s2"])
        #expect(index.socketIDs(.init(rooms: ["user:a"], except: ["user:b"])) == ["s1", "s2"])
        #expect(index.socketIDs(.init(rooms: ["nobody"])).isEmpty)
        #expect(index.socketIDs(.init(except: ["user:a"])) == ["s3"])
    }

    /// A one-room target shares the room's set; taking sockets out of the answer must not change the index.
    @Test func answersAreIndependentOfTheIndex() {
        var index = self.index
        var reached = index.socketIDs(.init(rooms: ["user:a"]))
        reached.remove("s1")
        #expect(index.socketIDs(.init(rooms: ["user:a"])) == ["s1", "s2"])
        index.leave("s2", room: "user:a")
        #expect(reached == ["s2"])
        #expect(index.socketIDs(.init(rooms: ["user:a"])) == ["s1"])
    }
}
