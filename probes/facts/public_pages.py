"""The patient-facing pages the hospital declares (亮证经营, GD2020 四(二)), as fetched and rendered by the checker.

The page text is data: kept as the visible text the page shows (tags, scripts and styles gone), never as markup
to render; a rule searches it, a report quotes short excerpts of it, escaped as any host output is.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probes.facts.base import Fact, Observed, Record

Rendering = Literal["static", "script"]


class PublicPage(Record):
    """One page the hospital declares as where its licence, schedules, reply time limit and fees are shown."""

    url: str = Field(pattern=r"^https?://[^\s]+$")
    rendering: Rendering = Field(default="static", description="script: the page builds its content in the "
                                 "browser, so its text is read from the DOM headless Chromium rendered")
    ca_file: str | None = Field(default=None, description="CA bundle (PEM) the page's https certificate is verified "
                                "against; the system store when None")
    timeout: float = Field(default=15.0, gt=0, le=60)


class FetchedPage(Observed):
    """What the checker got for one declared page: the bytes' digests, the visible text, the screenshot's digests."""

    page: PublicPage
    status: int | None = Field(default=None, description="the HTTP status of the GET")
    size: int | None = Field(default=None, description="bytes of the body fetched")
    sha256: str | None = None
    sm3: str | None = None
    tls_verified: bool | None = Field(default=None, description="None for http; https is never read unverified")
    text: str = Field(default="", description="the visible text of the page (rendered DOM for script pages)")
    text_from: Literal["body", "rendered-dom", ""] = ""
    rendered_sha256: str | None = Field(default=None, description="SHA-256 of the rendered DOM (script pages)")
    screenshot_sha256: str | None = None
    screenshot_sm3: str | None = None
    screenshot_observation: str | None = Field(default=None, description="the observation holding the PNG (base64)")
    error: str | None = Field(default=None, description="why the page's text could not be read")

    @property
    def read(self) -> bool:
        return self.error is None and bool(self.text_from)


class PublicPageFacts(Fact):
    """Every declared public page as fetched (attempted from the checker, in declaration order)."""

    pages: tuple[FetchedPage, ...] = ()
