import pytest

from hotcache_lab.distributed import start_redis
from hotcache_lab.distributed.redis_cache import make_client
from hotcache_lab.invalidation.origin import Database
from hotcache_lab.invalidation.stores import RedisStore


@pytest.fixture(scope="module")
def redis_client():
    with start_redis() as server:
        client = make_client(server.url)
        yield client
        client.close()


@pytest.fixture
def store(redis_client, request):
    store = RedisStore(redis_client, prefix=f"test:{request.node.name}:")
    store.clear()
    return store


@pytest.fixture
def db():
    with Database() as database:
        yield database
