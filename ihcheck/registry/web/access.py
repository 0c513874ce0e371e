"""Who may open a page: any regulator account reads; only an administrator reaches a form that writes.

An inspector asking for an administration page — by a link, by typing its URL, or by POSTing to it — gets
403 and the attempt is not acted on (the check runs before the view reads the request body)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ihcheck.registry.models import ROLE_ADMINISTRATOR
from ihcheck.registry.services.enrol import role_of

View = Callable[..., HttpResponse]


def regulator(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        role = role_of(request.user)
        if role is None:
            if request.user.is_authenticated:
                return render(request, "registry/forbidden.html", {"why": "not a regulator account"}, status=403)
            return redirect_to_login(request.get_full_path())
        request.role = role
        return view(request, *args, **kwargs)
    return wrapped


def administrator(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        role = role_of(request.user)
        if role is None and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if role != ROLE_ADMINISTRATOR:
            return render(request, "registry/forbidden.html", {"why": "administrators only"}, status=403)
        request.role = role
        return view(request, *args, **kwargs)
    return wrapped


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the role, so a page offers administration links only to an administrator."""
    role = role_of(getattr(request, "user", None))
    return {"role": role, "is_administrator": role == ROLE_ADMINISTRATOR}
