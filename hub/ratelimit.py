"""Per-account token buckets in Redis, shared by every worker.

One Lua script refills and takes tokens atomically with Redis's own clock, so
workers on several hosts share one budget per (account, operation). A taker
reserves its slot (tokens may go below zero) and is told how long to wait for
it, which spaces callers evenly instead of letting them race. A 429 empties the
bucket for ``retry_after`` seconds so every worker backs off together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.cache import cache

from connectors.base import RateLimit

from . import clock

# KEYS[1]: bucket. ARGV: rate/s, burst, tokens wanted, longest acceptable wait (s).
# Returns the wait in seconds as a string; a wait above the limit reserves nothing.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local max_wait = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
  ts = now
end
local wait = 0
if tokens < want then
  wait = (want - tokens) / rate
end
if wait <= max_wait then
  tokens = tokens - want
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.6f', ts))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate + max_wait) + 60)
return string.format('%.6f', wait)
"""

# KEYS[1]: bucket. ARGV: rate/s, burst, seconds to stay empty.
_DRAIN = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local hold = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local floor = -hold * rate
if tokens > floor then tokens = floor end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.6f', now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate + hold) + 60)
return 1
"""

_scripts: dict[str, object] = {}


def _client():  # noqa: ANN202
    # Django's RedisCache keeps its redis-py client behind ``_cache``; using it
    # shares the project's cache connection settings and pool.
    return cache._cache.get_client(write=True)  # type: ignore[attr-defined]


def _script(name: str, source: str):  # noqa: ANN202
    client = _client()
    key = f"{id(client)}:{name}"
    script = _scripts.get(key)
    if script is None:
        script = client.register_script(source)
        _scripts[key] = script
    return script


def bucket_key(account_id: int, operation: str) -> str:
    return cache.make_key(f"hub:bucket:{account_id}:{operation}")


@dataclass(frozen=True)
class TokenBucket:
    """The budget of one operation of one marketplace account."""

    account_id: int
    operation: str
    limit: RateLimit

    @property
    def key(self) -> str:
        return bucket_key(self.account_id, self.operation)

    def reserve(self, tokens: int = 1, max_wait: float = 60.0) -> float:
        """Reserve ``tokens`` and return seconds to wait before using them.

        A wait above ``max_wait`` reserves nothing: the caller should give the
        work back and come later instead of sleeping that long.
        """
        want = min(max(tokens, 1), max(self.limit.burst, 1))
        wait = _script("take", _TAKE)(
            keys=[self.key],
            args=[repr(float(self.limit.rate)), int(self.limit.burst), want, repr(float(max_wait))],
        )
        return float(wait)

    def acquire(self, tokens: int = 1, max_wait: float = 60.0) -> bool:
        """Wait (at most ``max_wait``) for tokens; False when the wait would be longer."""
        wait = self.reserve(tokens, max_wait)
        if wait > max_wait:
            return False
        clock.sleep(wait)
        return True

    def hold_empty(self, seconds: float) -> None:
        """The marketplace said 429: nobody takes from this bucket for ``seconds``."""
        if seconds <= 0 or math.isnan(seconds):
            return
        _script("drain", _DRAIN)(keys=[self.key],
                                 args=[repr(float(self.limit.rate)), int(self.limit.burst),
                                       repr(float(seconds))])

    def reset(self) -> None:
        _client().delete(self.key)
