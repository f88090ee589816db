import ChatCore
import ChatCoreTesting
import Testing

@Suite("Friendship state machine")
struct FriendshipTransitionTests {
    let a = UserID("a")
    let b = UserID("b")
    let now = Timestamp(milliseconds: 5_000)

    func row(_ requester: UserID, _ addressee: UserID, _ status: FriendshipStatus) -> Friendship {
        Friendship(
            requester: requester,
            addressee: addressee,
            status: status,
            createdAt: .init(milliseconds: 1),
            updatedAt: .init(milliseconds: 1),
            version: 3
        )
    }

    @Test func requestFromNothingInserts() throws {
        let transition = try Friendship.transition(current: nil, actor: a, other: b, action: .request, at: now)
        #expect(transition == .insert(Friendship(requester: a, addressee: b, status: .pending, createdAt: now, updatedAt: now)))
    }

    @Test func reverseRequestAcceptsThePendingOne() throws {
        let transition = try Friendship.transition(current: row(b, a, .pending), actor: a, other: b, action: .request, at: now)
        guard case .update(let updated) = transition else {
            Issue.record("expected an update")
            return
        }
        #expect(updated.status == .accepted)
        #expect(updated.requester == b)
        #expect(updated.version == 4)
        #expect(updated.updatedAt == now)
    }

    @Test(arguments: [FriendshipStatus.rejected, .cancelled, .removed])
    func requestAfterAnEndedFriendshipRenewsTheRow(_ status: FriendshipStatus) throws {
        let transition = try Friendship.transition(current: row(b, a, status), actor: a, other: b, action: .request, at: now)
        guard case .update(let updated) = transition else {
            Issue.record("expected an update")
            return
        }
        #expect(updated.status == .pending)
        #expect(updated.requester == a && updated.addressee == b)
    }

    @Test func onlyTheRightSideMayAnswer() async throws {
        let pending = row(a, b, .pending)
        #expect(try Friendship.transition(current: pending, actor: b, other: a, action: .accept, at: now) == .update(pending.changed(.accepted, now)))
        #expect(try Friendship.transition(current: pending, actor: b, other: a, action: .reject, at: now) == .update(pending.changed(.rejected, now)))
        #expect(
            try Friendship.transition(current: pending, actor: a, other: b, action: .cancel, at: now) == .update(pending.changed(.cancelled, now))
        )
        await Fixtures.expectChatError(.notFound) { try Friendship.transition(current: pending, actor: a, other: b, action: .accept, at: now) }
        await Fixtures.expectChatError(.notFound) { try Friendship.transition(current: pending, actor: b, other: a, action: .cancel, at: now) }
        await Fixtures.expectChatError(.conflict) { try Friendship.transition(current: pending, actor: a, other: b, action: .request, at: now) }
        await Fixtures.expectChatError(.notFound) { try Friendship.transition(current: pending, actor: a, other: b, action: .unfriend, at: now) }
        await Fixtures.expectChatError(.notFound) { try Friendship.transition(current: nil, actor: a, other: b, action: .accept, at: now) }
    }

    @Test func friendsCanOnlyUnfriend() async throws {
        let friends = row(a, b, .accepted)
        #expect(
            try Friendship.transition(current: friends, actor: b, other: a, action: .unfriend, at: now) == .update(friends.changed(.removed, now))
        )
        await Fixtures.expectChatError(.conflict) { try Friendship.transition(current: friends, actor: b, other: a, action: .request, at: now) }
        await Fixtures.expectChatError(.notFound) { try Friendship.transition(current: friends, actor: b, other: a, action: .accept, at: now) }
    }

    @Test func nobodyBefriendsThemselves() async throws {
        await Fixtures.expectChatError(.validationFailed, field: "userId") {
            try Friendship.transition(current: nil, actor: a, other: a, action: .request, at: now)
        }
    }
}

extension Friendship {
    fileprivate func changed(_ status: FriendshipStatus, _ now: Timestamp) -> Friendship {
        var copy = self
        copy.status = status
        copy.updatedAt = now
        copy.version += 1
        return copy
    }
}
