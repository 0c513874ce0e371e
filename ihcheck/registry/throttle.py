"""Password guessing slowed down: after a run of failed logins for one account, or from one address, further
tries are refused for a while without checking the password at all.

Every login form (the pages' and Django admin's) authenticates through this backend. Without it an
unauthenticated visitor could guess without limit, and each guess cost the server an Argon2id hash (100 MiB
and tens of milliseconds: the memory-hard cost that protects the stored hashes, paid at the attacker's
pace). Counts live in Django's cache: per process with the default in-memory cache, so a pool of N workers
allows up to N times the budget; a shared cache (CACHES) makes it one budget."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest

WINDOW = 15 * 60  # seconds a run of failures is remembered
PER_ACCOUNT = 10  # failed tries for one username within the window
PER_ADDRESS = 50  # failed tries from one client address within the window


def _keys(request: HttpRequest | None, username: str | None) -> list[tuple[str, int]]:
    account = hashlib.sha256(str(username or "").casefold().encode()).hexdigest()[:32]
    keys = [(f"ihcheck-login:u:{account}", PER_ACCOUNT)]
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    if address:
        keys.append((f"ihcheck-login:a:{address}", PER_ADDRESS))
    return keys


def blocked(request: HttpRequest | None, username: str | None) -> bool:
    return any(int(cache.get(key, 0)) >= limit for key, limit in _keys(request, username))


class ThrottledBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if blocked(request, username):
            return None  # the form says "wrong username or password"; nothing is hashed
        user = super().authenticate(request, username=username, password=password, **kwargs)
        keys = _keys(request, username)
        if user is None:
            for key, _limit in keys:
                cache.add(key, 0, WINDOW)
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.set(key, 1, WINDOW)
        else:
            cache.delete(keys[0][0])  # the account's run ends; the address's stays counted
        return user
