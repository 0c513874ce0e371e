"""The hospital's patient-facing pages (亮证经营, GD2020 四(二)): fetched and rendered from the checker, read-only.

A page is declared on the host that serves it (`ihcheck_public_pages: [{url, rendering, ca_file}]`) and fetched
from the checker's own network position, where a patient stands: one HTTP/1.0 GET over the bounded wire
(probes.protocols.wire: a deadline, a byte cap, TLS verified as every https exchange is, redirects not followed).
A page declared as script-rendered is then loaded in the system's headless Chromium (/usr/bin/chromium, never a
downloaded browser), whose serialised DOM gives its text; every page that answered is photographed by the same
Chromium. Chromium runs under run_bounded (a deadline and an output cap, its whole process group ended), with a
throw-away profile, background networking off, and a resolver that resolves the page's own host only, so it
sends nothing anywhere else.

Evidence: the wire's observation holds the bytes as received; the fact holds the body's SHA-256 and SM3, the
visible text the rule searches, and the screenshot's digests beside the observation holding the PNG (base64).
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from probes.bounded import run_bounded
from probes.collectors import DeploymentWork, HostPart, Outcome
from probes.facts.public_pages import FetchedPage, PublicPage, PublicPageFacts
from probes.inventory import Inventory
from probes.parse.page_text import visible_text
from probes.protocols import base
from probes.protocols import http as http_probe
from probes.protocols import tls as tls_probe
from probes.transport import Session

PAGE_MAX_BYTES = 4 * 1024 * 1024  # a page, not a download: the wire stops reading beyond it
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_TIMEOUT = 45.0
WINDOW = "1280,1800"
VIRTUAL_TIME_MS = 5000  # script pages get this much (virtual) time to build their content before the DOM is read


def digests(data: bytes) -> tuple[str, str]:
    return hashlib.sha256(data).hexdigest(), hashlib.new("sm3", data).hexdigest()


def _spki_pin(certificate_b64: str) -> str:
    """The base64 SHA-256 of a certificate's public key: what Chromium accepts for a certificate the wire verified
    against the declared CA (Chromium cannot be handed a CA file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    cert = x509.load_der_x509_certificate(base64.b64decode(certificate_b64))
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def chromium_argv(url: str, host: str, profile: Path, *, pin: str | None, then: list[str]) -> list[str]:
    """Headless Chromium for one page: nothing but that page's host resolves, nothing runs in the background."""
    argv = [shutil.which("chromium") or CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-domain-reliability", "--no-pings", "--disable-quic", "--hide-scrollbars",
            "--disable-features=DnsOverHttps,OptimizationHints,MediaRouter",
            f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {host}", f"--user-data-dir={profile}",
            f"--window-size={WINDOW}", f"--virtual-time-budget={VIRTUAL_TIME_MS}"]
    if pin:
        argv.append(f"--ignore-certificate-errors-spki-list={pin}")
    return [*argv, *then, url]


def _browser(session: Session, page: PublicPage, pin: str | None, what: str) -> tuple[bytes | None, str, str | None]:
    """Run Chromium for `what` (dom or screenshot): (output bytes, observation id, error)."""
    host = http_probe.split(page.url).host
    with tempfile.TemporaryDirectory(prefix="ihcheck-page-") as tmp:
        folder = Path(tmp)
        shot = folder / "page.png"
        then = ["--dump-dom"] if what == "dom" else [f"--screenshot={shot}"]
        argv = chromium_argv(page.url, host, folder / "profile", pin=pin, then=then)
        done = run_bounded(argv, timeout=CHROMIUM_TIMEOUT)
        shown = " ".join(a for a in argv if not a.startswith("--user-data-dir=") and not a.startswith("--screenshot="))
        if what == "dom":
            obs = session.record(f"{shown}  # rendered from the checker", done.stdout.decode("utf-8", "replace"),
                                 error="" if done.returncode == 0 else done.stderr_with_note(
                                     done.stderr.decode("utf-8", "replace")[-2000:]) or "chromium failed")
            if done.returncode != 0 or not done.stdout.strip():
                how = done.note if done.ended else f"exit {done.returncode}"
                return None, obs.id, f"Chromium did not render the page ({how})"
            return done.stdout, obs.id, None
        png = shot.read_bytes() if shot.is_file() else b""
        ok = done.returncode == 0 and png.startswith(b"\x89PNG")
        obs = session.record(f"{shown} --screenshot=page.png  # PNG as base64, taken from the checker",
                             base64.b64encode(png).decode(),
                             error="" if ok else (done.stderr.decode("utf-8", "replace")[-2000:] or "no screenshot"))
        return (png if ok else None), obs.id, None if ok else "Chromium took no screenshot"


def fetch(session: Session, page: PublicPage) -> FetchedPage:
    """GET the page from the checker, read its text (rendered when declared so) and photograph it."""
    url = http_probe.split(page.url)
    path = url.path + (f"?{url.query}" if url.query else "")
    request = http_probe.get(url, path, accept="text/html,application/xhtml+xml,*/*;q=0.8", timeout=page.timeout,
                             max_bytes=PAGE_MAX_BYTES, label="public page", cafile=page.ca_file)
    reply = base.from_checker(request, session)
    used = [reply.observation] if reply.observation else []

    def failed(error: str, **known: object) -> FetchedPage:
        return FetchedPage(page=page, error=error, observations=tuple(used), **known)

    unreached = reply.unreached("http", request.target)
    if unreached is not None:
        return failed(f"{unreached.outcome}: {unreached.detail}")
    verified = None
    pin = None
    if url.tls:
        refused = tls_probe.unverified(reply, "http", request.target)
        if refused is not None:
            return failed(refused.detail, tls_verified=False)
        verified = True
        pin = _spki_pin(reply.tls.certificate) if reply.tls and reply.tls.certificate else None
    if not reply.steps or not reply.steps[0][1]:
        return failed("no HTTP reply in time", tls_verified=verified)
    data, end = reply.steps[0][1], reply.steps[0][2]
    if end == "cap":
        return failed(f"the page exceeded {PAGE_MAX_BYTES} bytes", tls_verified=verified)
    try:
        response = http_probe.parse(data)
    except ValueError as exc:
        return failed(str(exc), tls_verified=verified)
    sha, sm3 = digests(response.body)
    known: dict[str, object] = {"status": response.status, "size": len(response.body), "sha256": sha, "sm3": sm3,
                                "tls_verified": verified}
    if response.status != 200:
        where = response.headers.get("location")
        moved = f" (redirect to {where!r} not followed: declare the final URL)" if where else ""
        return failed(f"answered {response.status_line}{moved}", **known)
    if not Path(shutil.which("chromium") or CHROMIUM).exists():
        note = "Chromium (/usr/bin/chromium) is not installed: "
        if page.rendering == "script":
            return failed(note + "a script-rendered page cannot be read", **known)
        return FetchedPage(page=page, text=visible_text(response.body, response.headers.get("content-type")),
                           text_from="body", error=None, observations=tuple(used),
                           **known)
    text, text_from, rendered_sha, error = "", "body", None, None
    if page.rendering == "script":
        dom, obs_id, error = _browser(session, page, pin, "dom")
        used.append(obs_id)
        if dom is not None:
            text, text_from, rendered_sha = visible_text(dom), "rendered-dom", digests(dom)[0]
    else:
        text = visible_text(response.body, response.headers.get("content-type"))
    png, shot_id, _ = _browser(session, page, pin, "screenshot")
    used.append(shot_id)
    shot = digests(png) if png is not None else (None, None)
    return FetchedPage(page=page, text=text, text_from=text_from if error is None else "", error=error,
                       rendered_sha256=rendered_sha, screenshot_sha256=shot[0], screenshot_sm3=shot[1],
                       screenshot_observation=shot_id if png is not None else None, observations=tuple(used),
                       **known)


def collect(session: Session) -> PublicPageFacts:
    pages = tuple(fetch(session, page) for page in session.host.declared.public_pages)
    return PublicPageFacts(pages=pages, observations=tuple(o for p in pages for o in p.observations))


def work(inventory: Inventory) -> DeploymentWork | None:
    """The public_pages family: each declaring host's pages fetched in that host's run (the checker fetches them,
    within that host's deadline); None when no host declares a page."""
    declaring = [h.name for h in inventory.hosts if h.declared.public_pages]
    if not declaring:
        return None

    def finish(outcomes: Mapping[str, Outcome]) -> PublicPageFacts:
        pages: list[FetchedPage] = []
        notes: list[str] = []
        for key in (f"public_pages:{name}" for name in declaring):
            value = outcomes[key]
            if isinstance(value, PublicPageFacts):
                pages += value.pages
            else:
                notes.append(f"{key.split(':', 1)[1]}: the declared pages were not fetched ({value})")
        return PublicPageFacts(pages=tuple(pages), notes=tuple(notes),
                               observations=tuple(o for p in pages for o in p.observations))

    return DeploymentWork(family="public_pages", finish=finish,
                          parts=tuple(HostPart(key=f"public_pages:{name}", host=name, run=collect)
                                      for name in declaring))
