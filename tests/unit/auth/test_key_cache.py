from __future__ import annotations

from trustdesk.auth.apikeys import ApiPrincipal
from trustdesk.auth.key_cache import KeyCache

A = ApiPrincipal("key_a", "a", frozenset({"assess"}))
B = ApiPrincipal("key_b", "b", frozenset({"screen"}))


def test_entries_expire_after_ttl() -> None:
    t = [0.0]
    cache = KeyCache(2.0, now=lambda: t[0])
    cache.put("Bearer td.key_a.s", A)
    t[0] = 1.999
    assert cache.get("Bearer td.key_a.s") is A
    assert cache.get(" Bearer td.key_a.s ") is A  # the same header, surrounding space aside
    assert cache.get("Bearer td.key_a.t") is None
    t[0] = 2.0
    assert cache.get("Bearer td.key_a.s") is None
    assert len(cache) == 0


def test_oldest_entries_go_first_when_full() -> None:
    cache = KeyCache(60.0, max_entries=2, now=lambda: 0.0)
    cache.put("h1", A)
    cache.put("h2", B)
    cache.put("h1", A)  # refreshed: now the newest
    cache.put("h3", B)
    assert (cache.get("h1"), cache.get("h2"), cache.get("h3")) == (A, None, B)


def test_zero_ttl_or_no_header_keeps_nothing() -> None:
    off = KeyCache(0.0)
    off.put("h1", A)
    assert (off.get("h1"), len(off)) == (None, 0)
    on = KeyCache(5.0)
    on.put(None, A)
    on.put("", A)
    assert (on.get(None), on.get(""), len(on)) == (None, None, 0)
