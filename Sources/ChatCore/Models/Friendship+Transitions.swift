/// What a user asks of a friendship.
public enum FriendshipAction: Hashable, Sendable {
    case request
    case accept
    case reject
    case cancel
    case unfriend
}

/// The outcome of applying an action to the pair's current row.
public enum FriendshipTransition: Hashable, Sendable {
    /// Insert this new row.
    case insert(Friendship)
    /// Replace the current row with this one.
    case update(Friendship)
}

extension Friendship {
    /// The friendship state machine: given the pair's current row (nil when there is none), what `actor` asking for
    /// `action` against `other` leads to, or the error explaining why it cannot happen. Pure: no I/O, no clock.
    public static func transition(
        current: Friendship?,
        actor: UserID,
        other: UserID,
        action: FriendshipAction,
        at now: Timestamp
    ) throws -> FriendshipTransition {
        guard actor != other else { throw ChatError.validation("you cannot befriend yourself", field: "userId") }
        switch (action, current) {
        case (.request, nil):
            return .insert(Friendship(requester: actor, addressee: other, status: .pending, createdAt: now, updatedAt: now))
        case (.request, let row?):
            if row.status == .accepted { throw ChatError.conflict("you are already friends") }
            if row.status == .pending {
                if row.requester == actor { throw ChatError.conflict("a friend request is already pending") }
                // A reverse request while one is pending accepts it.
                return .update(row.changed(to: .accepted, at: now))
            }
            var renewed = row.changed(to: .pending, at: now)
            renewed.requester = actor
            renewed.addressee = other
            return .update(renewed)
        case (.accept, let row?) where row.status == .pending && row.addressee == actor:
            return .update(row.changed(to: .accepted, at: now))
        case (.reject, let row?) where row.status == .pending && row.addressee == actor:
            return .update(row.changed(to: .rejected, at: now))
        case (.cancel, let row?) where row.status == .pending && row.requester == actor:
            return .update(row.changed(to: .cancelled, at: now))
        case (.unfriend, let row?) where row.status == .accepted:
            return .update(row.changed(to: .removed, at: now))
        case (.unfriend, _):
            throw ChatError.notFound("you are not friends with this user")
        case (.accept, _), (.reject, _), (.cancel, _):
            throw ChatError.notFound("no pending friend request")
        }
    }

    func changed(to status: FriendshipStatus, at now: Timestamp) -> Friendship {
        var copy = self
        copy.status = status
        copy.updatedAt = now
        copy.version += 1
        return copy
    }
}
