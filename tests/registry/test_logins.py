"""Failed-login throttling of regulator accounts (django-axes, ihcheck/registry/services/logins.py), on SQLite and
PostgreSQL: the Nth wrong password locks the account, from any address, even against the right password, and
the lockout is one record in the registry's hash-chained action log."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from ihcheck.registry.models import Action
from ihcheck.registry.services import actions, enrol

PASSWORD = "correct horse battery staple"


def _log_in(password: str, address: str = "127.0.0.1") -> int:
    response = Client(REMOTE_ADDR=address).post("/login/", {"username": "inspector1", "password": password})
    return response.status_code


def test_the_nth_wrong_password_locks_the_account_and_the_lockout_is_logged(db) -> None:
    enrol.create_account("inspector1", PASSWORD, "inspector", actor="t")
    limit = int(settings.AXES_FAILURE_LIMIT)
    assert limit == 5  # the default (IHCHECK_REGISTRY_LOGIN_FAILURES)
    assert _log_in(PASSWORD) == 302  # the right password logs in (and resets the count)
    for n in range(1, limit):
        assert _log_in(f"wrong {n}", address=f"192.0.2.{n}") == 200  # the form again, "wrong password"
    assert not Action.objects.filter(event="login.lockout").exists()
    locked = Client(REMOTE_ADDR="192.0.2.99").post("/login/", {"username": "inspector1", "password": "wrong 5"})
    assert locked.status_code == 429 and "账户已暂时锁定" in locked.content.decode()
    assert _log_in(PASSWORD) == 429  # locked: the right password no longer logs in, from any address
    assert _log_in("wrong again") == 429
    lockouts = list(Action.objects.filter(event="login.lockout"))
    assert len(lockouts) == 1  # once per lockout, not once per refused attempt
    assert lockouts[0].detail["username"] == "inspector1" and lockouts[0].detail["failures"] == limit
    assert actions.verify()[0]
    assert b'"event":"registry.login.lockout"' in bytes(lockouts[0].line).replace(b" ", b"")


def test_another_account_is_not_locked_by_one_accounts_failures(db) -> None:
    enrol.create_account("inspector1", PASSWORD, "inspector", actor="t")
    enrol.create_account("inspector2", PASSWORD, "inspector", actor="t")
    for n in range(int(settings.AXES_FAILURE_LIMIT)):
        _log_in(f"wrong {n}")
    other = Client().post("/login/", {"username": "inspector2", "password": PASSWORD})
    assert other.status_code == 302
