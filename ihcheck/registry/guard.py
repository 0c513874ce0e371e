"""Requests the registry's database could not even be asked about, refused before any view runs.

PostgreSQL's text cannot hold NUL: a `%00` anywhere in a path or a query parameter (?city=%00, /hospitals/%00/)
made every page and API route that looks it up fail with a 500 and a traceback in the log, where SQLite answered
"not found". One check here answers 400 for all of them, present and future, on both databases alike."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse


class RefuseNul:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any("\x00" in key or any("\x00" in v for v in values)
                                         for key, values in request.GET.lists()):
            return JsonResponse({"detail": "the request holds a NUL character"}, status=400)
        return self.get_response(request)
