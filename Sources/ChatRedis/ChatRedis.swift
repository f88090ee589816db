// ChatRedis: see docs/architecture.md
