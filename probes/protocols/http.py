"""HTTP GET over the bounded wire: the FHIR `metadata` read and health endpoints whose answer the
inventory states. HTTP/1.0 with `Connection: close`, so the reply is whole when the server closes and
never chunked; the memory cap ends a reply that would not stop."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal, NamedTuple

from pydantic import Field

from probes.protocols import tls as tls_probe
from probes.protocols.declaration import URL, Endpoint, Interpret
from probes.protocols.reply import ExchangeResult, Protocol, Request, WireReply


class Url(NamedTuple):
    scheme: str
    host: str
    port: int
    path: str
    query: str = ""

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


def split(url: str) -> Url:
    """Scheme, host, port (the scheme's default when absent) and path of an http(s) URL.

    >>> split("https://his.hospital.lan/fhir/")
    Url(scheme='https', host='his.hospital.lan', port=443, path='/fhir/', query='')
    >>> split("http://10.0.0.5:8080").path
    '/'
    """
    match = URL.match(url)
    if match is None:
        raise ValueError(f"expected an http:// or https:// URL, got {url!r}")
    scheme, host, port, rest = match.group(1), match.group(2).strip("[]"), match.group(3), match.group(4) or ""
    path, _, query = rest.split("#", 1)[0].partition("?")
    return Url(scheme, host.lower(), int(port) if port else (443 if scheme == "https" else 80), path or "/", query)


def get(url: Url, path: str, *, accept: str, timeout: float, max_bytes: int, label: str,
        cafile: str | None = None) -> Request:
    host = f"[{url.host}]" if ":" in url.host else url.host
    default = 443 if url.tls else 80
    authority = host if url.port == default else f"{host}:{url.port}"
    data = (f"GET {path} HTTP/1.0\r\nHost: {authority}\r\nAccept: {accept}\r\nUser-Agent: ihcheck\r\n"
            "Connection: close\r\n\r\n").encode()
    return Request(host=url.host, port=url.port, timeout=timeout, max_bytes=max_bytes, steps=((data, "close", ()),),
                   tls=url.tls, tls_server_name=url.host if url.tls else None, tls_cafile=cafile,
                   label=f"{label}: GET {url.scheme}://{authority}{path}")


class Response(NamedTuple):
    status: int
    status_line: str
    headers: dict[str, str]
    body: bytes


STATUS = re.compile(r"HTTP/\d(?:\.\d)? (\d{3})")


def parse(data: bytes) -> Response:
    """Status, headers and body of a raw HTTP reply (ValueError when it is not one).

    >>> parse(b"HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nhi").status
    200
    """
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    lines = head.decode("latin-1").splitlines()
    match = STATUS.match(lines[0] if lines else "")
    if not sep or match is None:
        raise ValueError(f"not an HTTP response: {data[:40]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Response(int(match.group(1)), lines[0], headers, body)


HEALTH_MAX_BYTES = 1024 * 1024


def health_request(url: str, *, timeout: float = 10.0, cafile: str | None = None) -> Request:
    parts = split(url)
    return get(parts, parts.path + (f"?{parts.query}" if parts.query else ""), accept="*/*", timeout=timeout,
               max_bytes=HEALTH_MAX_BYTES, label="HTTP health", cafile=cafile)


def interpret_health(reply: WireReply, target: str, *, status: int, contains: str | None) -> ExchangeResult:
    """ok when the endpoint answers the status the inventory expects and (if stated) its body holds the text."""
    unreached = reply.unreached("http", target)
    if unreached is not None:
        return unreached
    unverified = tls_probe.unverified(reply, "http", target)
    if unverified is not None:
        return unverified
    if not reply.steps or not reply.steps[0][1]:
        return reply.result("http", target, "silent", "request sent, no HTTP reply in time")
    data, end = reply.steps[0][1], reply.steps[0][2]
    if end == "cap":
        return reply.result("http", target, "malformed", f"the reply exceeded {HEALTH_MAX_BYTES} bytes")
    try:
        response = parse(data)
    except ValueError as exc:
        return reply.result("http", target, "malformed", str(exc))
    fields = {"http_status": response.status, "expected_status": status, "expected_text": contains,
              "body_excerpt": response.body[:200].decode("utf-8", "replace")}
    if response.status != status:
        return reply.result("http", target, "rejected", f"answered {response.status_line}, expected {status}", fields)
    if contains and contains.encode() not in response.body:
        return reply.result("http", target, "rejected",
                            f"answered {response.status_line} without the expected text {contains!r}", fields)
    expected = f" containing {contains!r}" if contains else ""
    return reply.result("http", target, "ok", f"answered {response.status_line}{expected}, as declared", fields)


class HttpEndpoint(Endpoint):
    """A health endpoint whose answer the inventory states (an ECG service…):
    `{protocol: http, url, expect_status: 200, expect_text}`; an https URL is verified as the TLS probe does."""

    speaks: ClassVar[Protocol] = "http"

    takes_url: ClassVar[bool] = True
    protocol: Literal["http"]
    url: str = Field(min_length=1, description="the HTTP health URL")
    ca_file: str | None = Field(default=None, description="CA bundle (PEM) on the machine the exchange runs from")
    expect_status: Annotated[int, Field(ge=100, le=599)] = 200
    expect_text: str | None = None

    def plan(self) -> tuple[Request, Interpret]:
        req = health_request(self.url, timeout=self.timeout, cafile=self.ca_file)
        status, text = self.expect_status, self.expect_text
        return req, lambda reply: interpret_health(reply, req.target, status=status, contains=text)
