"""Django's Redis cache backend, with one redis-py client per connection pool instead of one per operation.

Django's RedisCacheClient wraps its connection pool in a new redis.Redis for
every cache operation; with redis-py 8 building one (its command-callback
tables) costs about as much CPU as the round trip itself (~75 µs). A request
refused by the rate limit is little more than three such operations, and every
API request makes a few. A redis.Redis over a pool is safe to share (it holds
no connection of its own), and Django keeps a cache backend per thread anyway.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


class _ReusingClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[object, Any] = {}

    def get_client(self, key: str | None = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
