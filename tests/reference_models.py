"""Slow, obviously-correct list models of each policy, written from the papers' descriptions.

Tests replay the same requests through a model and through hotcache_lab.caches and compare
hits and contents step by step. FakeClock is the one stand-in clock the timed tests share.
"""


class FakeClock:
    """Time that moves only when told to (set .now): a TTL expires exactly when a test says."""

    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


class LRUModel:
    def __init__(self, n):
        self.n, self.order = n, []  # least recent first

    def access(self, k):
        if k in self.order:
            self.order.remove(k)
            self.order.append(k)
            return True
        if len(self.order) == self.n:
            self.order.pop(0)
        self.order.append(k)
        return False

    def contents(self):
        return set(self.order)


class FIFOModel(LRUModel):
    def access(self, k):
        if k in self.order:
            return True
        if len(self.order) == self.n:
            self.order.pop(0)
        self.order.append(k)
        return False


class LFUModel:
    """Evict the smallest (frequency, time of last access)."""

    def __init__(self, n):
        self.n, self.freq, self.last, self.t = n, {}, {}, 0

    def access(self, k):
        self.t += 1
        hit = k in self.freq
        if not hit and len(self.freq) == self.n:
            victim = min(self.freq, key=lambda x: (self.freq[x], self.last[x]))
            del self.freq[victim], self.last[victim]
        self.freq[k] = self.freq.get(k, 0) + 1
        self.last[k] = self.t
        return hit

    def contents(self):
        return set(self.freq)


class SIEVEModel:
    """Queue oldest-first, a visited set, a hand index that walks toward the newest and wraps."""

    def __init__(self, n):
        self.n, self.queue, self.visited, self.hand = n, [], set(), None

    def access(self, k):
        if k in self.queue:
            self.visited.add(k)
            return True
        if len(self.queue) == self.n:
            i = 0 if self.hand is None else self.hand
            while self.queue[i] in self.visited:
                self.visited.discard(self.queue[i])
                i = (i + 1) % len(self.queue)
            self.queue.pop(i)
            # the hand stays at the position of the evicted entry: the next newer one now sits there
            self.hand = i if i < len(self.queue) else None
        self.queue.append(k)
        return False

    def contents(self):
        return set(self.queue)


class S3FIFOModel:
    """S (10%), M (90%) and ghost G, freq capped at 3: Yang et al., SOSP'23, Algorithm 1."""

    def __init__(self, n):
        self.n = n
        self.s_cap = max(1, int(n * 0.1))
        self.m_cap = max(1, n - self.s_cap)
        self.S, self.M, self.G, self.freq = [], [], [], {}

    def evict_m(self):
        while True:
            t = self.M.pop(0)
            if self.freq[t] > 0:
                self.freq[t] -= 1
                self.M.append(t)
            else:
                del self.freq[t]
                return

    def evict_s(self):
        while self.S:
            t = self.S.pop(0)
            if self.freq[t] >= 1:
                self.freq[t] = 0
                self.M.append(t)
                if len(self.M) > self.m_cap:
                    self.evict_m()
            else:
                del self.freq[t]
                self.G.append(t)
                if len(self.G) > self.m_cap:
                    self.G.pop(0)
                return

    def access(self, k):
        if k in self.freq:
            self.freq[k] = min(self.freq[k] + 1, 3)
            return True
        while len(self.S) + len(self.M) >= self.n:
            if len(self.S) >= self.s_cap or not self.M:
                self.evict_s()
            else:
                self.evict_m()
        if k in self.G:
            self.G.remove(k)
            self.M.append(k)
        else:
            self.S.append(k)
        self.freq[k] = 0
        return False

    def contents(self):
        return set(self.freq)


MODELS = {"lru": LRUModel, "fifo": FIFOModel, "lfu": LFUModel, "sieve": SIEVEModel, "s3fifo": S3FIFOModel}
