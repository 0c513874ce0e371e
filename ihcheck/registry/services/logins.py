"""Failed-login throttling of regulator accounts, by django-axes (settings.py): after
IHCHECK_REGISTRY_LOGIN_FAILURES wrong passwords (default 5) an account is locked for
IHCHECK_REGISTRY_LOCKOUT_MINUTES (default 15), whatever address the attempts come from, on the pages, the admin
and every other login form. Attempts are counted in the database, so every web worker sees the same count.

A lockout is a record in the registry's own hash-chained action log (once per lockout: the attempts refused
while it lasts are counted by axes, not logged again, so hammering a locked account cannot flood the log).
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone

from ihcheck.registry.models import Action
from ihcheck.registry.services import actions


@receiver(user_locked_out, dispatch_uid="ihcheck-registry-lockout")
def log_lockout(sender: Any, request: Any = None, username: str | None = None, ip_address: str | None = None,
                **_: Any) -> None:
    cooloff = settings.AXES_COOLOFF_TIME
    name = str(username or "")
    if Action.objects.filter(event="login.lockout", detail__username=name, at__gte=timezone.now() - cooloff).exists():
        return
    actions.record("login.lockout", "registry", username=name, address=str(ip_address or ""),
                   failures=int(settings.AXES_FAILURE_LIMIT), minutes=int(cooloff.total_seconds() // 60))
