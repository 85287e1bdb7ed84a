"""Our Redis cache is Django's, with one client per connection pool: same answers, no client per call."""

import pytest
import redis

from shuchang.core.cache import RedisCache

REDIS_URL = "redis://127.0.0.1:6379/12"


@pytest.fixture
def cache():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("needs Redis on 127.0.0.1:6379 (.ci/run starts it)")
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": "test-cache"})
    yield cache
    cache.clear()


def test_values_go_in_and_come_back_as_with_djangos_cache(cache):
    cache.set("session", {"user": 7, "amount": "50000.00"}, timeout=30)
    assert cache.get("session") == {"user": 7, "amount": "50000.00"}
    cache.add("version", 1)
    assert cache.incr("version") == 2
    cache.delete("session")
    assert cache.get("session") is None


def test_one_client_serves_every_call(cache):
    first = cache._cache.get_client("a")
    cache.set("a", 1)
    cache.get("a")
    assert cache._cache.get_client("b", write=True) is first
