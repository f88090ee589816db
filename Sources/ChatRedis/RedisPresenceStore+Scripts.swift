extension RedisPresenceStore {
    /// KEYS: user hash, node users set, heartbeats. ARGV: node, user, time. Returns 1 when the user came online.
    static let connectScript = RedisScript(
        """
        local wasOnline = redis.call('EXISTS', KEYS[1])
        redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
        redis.call('SADD', KEYS[2], ARGV[2])
        redis.call('ZADD', KEYS[3], 'NX', ARGV[3], ARGV[1])
        if wasOnline == 1 then return 0 end
        return 1
        """
    )

    /// KEYS: user hash, node users set, last seen. ARGV: node, user, time. Returns 1 when the user has no socket left.
    static let disconnectScript = RedisScript(
        """
        local count = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
        if not count then
          if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
          return 1
        end
        if count > 1 then
          redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
          return 0
        end
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('SREM', KEYS[2], ARGV[2])
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('SET', KEYS[3], ARGV[3])
        return 1
        """
    )

    /// KEYS: pairs of (user hash, last seen). Returns pairs of (1 if online, last seen or nil).
    static let presenceScript = RedisScript(
        """
        local result = {}
        for i = 1, #KEYS, 2 do
          table.insert(result, redis.call('EXISTS', KEYS[i]))
          table.insert(result, redis.call('GET', KEYS[i + 1]))
        end
        return result
        """
    )

    /// KEYS: heartbeats, node alive key. ARGV: node, time, ttl in milliseconds.
    static let heartbeatScript = RedisScript(
        """
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        return 1
        """
    )

    /// Forgets nodes whose heartbeat is older than the cutoff and returns the users that went offline.
    /// KEYS: heartbeats. ARGV: cutoff (exclusive), time, node-users prefix, user prefix, last-seen prefix, alive prefix.
    /// The per-node and per-user keys are derived from prefixes given by `RedisKeys`, which a single-node Redis allows.
    static let sweepScript = RedisScript(
        """
        local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
        local offline = {}
        for _, node in ipairs(expired) do
          redis.call('ZREM', KEYS[1], node)
          redis.call('DEL', ARGV[6] .. node)
          local usersKey = ARGV[3] .. node
          local users = redis.call('SMEMBERS', usersKey)
          redis.call('DEL', usersKey)
          for _, user in ipairs(users) do
            local userKey = ARGV[4] .. user
            if redis.call('HDEL', userKey, node) == 1 and redis.call('EXISTS', userKey) == 0 then
              redis.call('SET', ARGV[5] .. user, ARGV[2])
              table.insert(offline, user)
            end
          end
        end
        return offline
        """
    )
}
