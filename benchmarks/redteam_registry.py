"""Red team, the registry (issues 22/23, `registry`): a hostile hospital with its own key and upload token, a
read-only inspector, an unauthenticated visitor on loopback, another local user writing the drop folder.

`benchmarks/redteam.py` imports `cases()` and runs them with its own. Each case runs the real `ihcheck registry …`
(intake, watch, and `serve` on 127.0.0.1 for the HTTP cases) and sets its outcome:

    false pass   a hostile bundle taken in, a write or read that should be refused answered, a formula cell
    traceback    a 500 from the service, or a traceback on the terminal
    leak         a refusal split over lines (a forged line), a redirect off the registry, a cookie without HttpOnly

Every case below was tried; those marked `# was:` broke before the commit that names them (tests in
tests/registry/test_redteam.py hold each fix), the others held.

    .venv/bin/python benchmarks/redteam.py --only registry [--verbose]
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.redteam import Case, Run, ihcheck  # noqa: E402

USCC = "91440101MA5C0000A1"
OTHER = "91440300MA5C0000B2"
PASSWORD = "correct horse battery staple"
_STATE: dict[str, object] = {}

# The hostile bundles, built once with the project's own writer and signer (in a child: the red team imports
# nothing of ihcheck). Each is correctly signed by the hospital's enrolled key unless its name says otherwise.
_BUILD = r'''
import gzip, hashlib, io, json, sys, tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from ihcheck.registry.province import signed, tampered
from reports.keys import SigningKeys
from reports.verify import read_bundle
from tests.reports.scenario_bundles import scenario_bundle

out = Path(sys.argv[1])
keys, other = SigningKeys.generate(), SigningKeys.generate()
keys.write(out / "keys"); other.write(out / "other-keys")
base = scenario_bundle("compliant", out / "src", keys)
files = read_bundle(base)

def digests(d):
    return {"size": len(d), "sha256": hashlib.sha256(d).hexdigest(), "sm3": hashlib.new("sm3", d).hexdigest()}

def hostile(name, edit, when=None, by=keys):
    f = dict(files)
    docs = {r: json.loads(f[r]) for r in ("result.json", "findings.json", "facts.json")}
    edit(docs)
    m = json.loads(f["manifest.json"])
    for r, d in docs.items():
        f[r] = json.dumps(d, ensure_ascii=False).encode(); m["files"][r] = digests(f[r])
    f["manifest.json"] = json.dumps(m).encode()
    (out / name).write_bytes(signed(f, by, when or datetime.now(UTC), "b"))

def tar(name, members):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    (out / name).write_bytes(buf.getvalue())

def member(n, data=b"", kind=tarfile.REGTYPE, link=""):
    i = tarfile.TarInfo(n); i.type, i.size, i.linkname = kind, len(data) if kind == tarfile.REGTYPE else 0, link
    return i, data if kind == tarfile.REGTYPE else None

def f0(d, k, v): d["findings.json"][0][k] = v
def rule(d, r, v="pass"): d["result.json"]["summary"]["rules"][r] = v

hostile("ok.tar.gz", lambda d: None)
hostile("nul-reason.tar.gz", lambda d: f0(d, "reason", "a\x00b"))
hostile("nul-rule.tar.gz", lambda d: rule(d, "GD\x00"))
hostile("long-verdict.tar.gz", lambda d: f0(d, "verdict", "x" * 40))
hostile("formula-rule.tar.gz", lambda d: rule(d, '=HYPERLINK("http://evil.example/","x")'))
hostile("markup-rule.tar.gz", lambda d: rule(d, "<img src=x onerror=alert(1)>"))
hostile("hosts-number.tar.gz", lambda d: f0(d, "hosts", 5))
hostile("evidence-string.tar.gz", lambda d: f0(d, "evidence", ["x"]))
hostile("finished-bad.tar.gz", lambda d: d["result.json"].__setitem__("finished_at", "yesterday"))
hostile("trail-seq-text.tar.gz", lambda d: d["facts.json"]["pilot"]["trail"]["check"].__setitem__("last_seq", "x"))
hostile("future.tar.gz", lambda d: None, when=datetime(2099, 1, 1, tzinfo=UTC))
hostile("other-key.tar.gz", lambda d: None, by=other)
(out / "tampered.tar.gz").write_bytes(tampered((out / "ok.tar.gz").read_bytes()))
tar("dotdot.tar.gz", [member("b/manifest.json", b"{}"), member("b/../../etc/cron.d/x", b"x")])
tar("symlink.tar.gz", [member("b/manifest.json", b"{}"), member("b/findings.json", kind=tarfile.SYMTYPE,
                                                                  link="/etc/shadow")])
tar("hardlink.tar.gz", [member("b/manifest.json", b"{}"), member("b/findings.json", kind=tarfile.LNKTYPE,
                                                                   link="b/manifest.json")])
tar("duplicate.tar.gz", [member("b/manifest.json", b"{}"), member("b/manifest.json", b"{}")])
tar("bomb.tar.gz", [member("b/observations/x.json", bytes(8 << 20))])
tar("many-folders.tar.gz", [member(f"b/d{i}", kind=tarfile.DIRTYPE) for i in range(30_000)])
print(" ".join(keys.public().fingerprints()), " ".join(other.public().fingerprints()))
'''


def _py(code: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "builder failed")
    return done.stdout


def _province() -> Path:
    """Once a session: the hostile bundles and a registry (SQLite) with the hospital enrolled under its key."""
    if "folder" not in _STATE:
        folder = Path(tempfile.mkdtemp(prefix="ihcheck-redteam-registry-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        prints = _py(_BUILD, str(folder / "bundles")).split()
        data = folder / "registry"
        for args in (["enrol", "--name", "红队医院", "--uscc", USCC, "--city", "广州", "--keys", " ".join(prints[:2]),
                      "--valid-from", "2020-01-01"],
                     ["enrol", "--name", "他院", "--uscc", OTHER, "--city", "深圳", "--keys", " ".join(prints[2:]),
                      "--valid-from", "2020-01-01"]):
            run = ihcheck(["registry", *args, "--data", str(data)], folder)
            assert run.code == 0, run.err
        _STATE["folder"] = folder
    return Path(str(_STATE["folder"]))


def _registry(work: Path) -> Path:
    data = work / "registry"
    shutil.copytree(_province() / "registry", data)
    return data


def _blobs(data: Path) -> int:
    return sum(1 for p in (data / "blobs").rglob("*") if p.is_file()) if (data / "blobs").exists() else 0


def _refused(run: Run, data: Path, *, refuse: bool = True) -> Run:
    lines = run.err.strip().splitlines()
    if refuse and (run.code == 0 or _blobs(data)):
        run.outcome = "false pass"
    elif (refuse and (len(lines) != 1 or not lines[0].startswith("refused: "))) or (not refuse and run.code != 0):
        run.outcome = "wrong exit"
    else:
        run.outcome = "clean"
    return run


def intake_cases() -> list[Case]:
    def intake(bundle: str, refuse: bool = True, env: dict[str, str] | None = None) -> Callable[[Path], Run]:
        def go(w: Path) -> Run:
            data = _registry(w)
            saved = {k: os.environ.get(k) for k in env or {}}
            os.environ.update(env or {})
            try:
                run = ihcheck(["registry", "intake", str(_province() / "bundles" / bundle), "--data", str(data)], w)
            finally:
                for k, v in saved.items():
                    os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
            return _refused(run, data, refuse=refuse)
        return go

    small = {"IHCHECK_REGISTRY_MAX_BUNDLE": str(4 << 20)}
    return [Case("registry/intake", name, intake(bundle, *rest), must_not_pass=False) for name, bundle, *rest in (
        ("a good bundle is taken in (control)", "ok.tar.gz", False),
        ("NUL in a finding's reason", "nul-reason.tar.gz"),  # was: 500 on PostgreSQL, blob left (0174403)
        ("NUL in a rule id", "nul-rule.tar.gz"),  # was: 500 on PostgreSQL (0174403)
        ("a 40-character verdict", "long-verdict.tar.gz"),  # was: 500 on PostgreSQL, taken on SQLite (0174403)
        ("a rule id that is a formula", "formula-rule.tar.gz"),  # was: live formula in the xlsx heading (c39f25d)
        ("a rule id that is markup", "markup-rule.tar.gz"),  # was: taken in (escaped on the pages) (c39f25d)
        ("hosts that are a number", "hosts-number.tar.gz"),  # was: TypeError, blob left (0174403)
        ("an evidence item that is a string", "evidence-string.tar.gz"),  # was: AttributeError in verify (0174403)
        ("a finish time that is not one", "finished-bad.tar.gz"),  # was: ValueError, blob left (0174403)
        ("a trail seq that is text", "trail-seq-text.tar.gz"),  # was: taken, anchor judged on text (0174403)
        ("signed in 2099", "future.tar.gz"),  # was: taken, the hospital's latest for ever (ce38b08)
        ("30,000 folder members", "many-folders.tar.gz"),  # was: uncounted, parsed whole (cf4f9e8)
        ("another hospital's bundle, operator's intake: filed under its signer", "other-key.tar.gz", False),  # held
        ("one byte changed after signing", "tampered.tar.gz"),  # held
        ("a member with ..", "dotdot.tar.gz"),  # held
        ("a symbolic link member", "symlink.tar.gz"),  # held
        ("a hard link member", "hardlink.tar.gz"),  # held
        ("a member twice", "duplicate.tar.gz"),  # held
        ("8 MiB of zeros (4 MiB allowed)", "bomb.tar.gz", True, small),  # held
    )]


def drop_cases() -> list[Case]:
    def drop(make: Callable[[Path, Path], object], taken: int, code: int = 0) -> Callable[[Path], Run]:
        def go(w: Path) -> Run:
            data = _registry(w)
            folder = w / "drop"
            folder.mkdir()
            make(folder, w)
            run = ihcheck(["registry", "watch", str(folder), "--once", "--settle", "0", "--data", str(data)], w)
            forged = [line for line in run.out.splitlines() if line.startswith("taken in: forged")]
            run.outcome = ("wrong exit" if run.code != code else "leak" if forged
                           else "false pass" if _blobs(data) != taken else "clean")
            return run
        return go

    def copy_good(folder: Path, name: str) -> None:
        shutil.copy(_province() / "bundles" / "ok.tar.gz", folder / name)

    def taken_link(folder: Path, w: Path) -> None:
        (w / "elsewhere").mkdir()
        (folder / "taken").symlink_to(w / "elsewhere")
        copy_good(folder, "g.tar.gz")

    def claims_link(folder: Path, w: Path) -> None:  # where a watcher claims files before reading them
        (w / "elsewhere").mkdir()
        (folder / "working").symlink_to(w / "elsewhere")
        copy_good(folder, "g.tar.gz")

    makers: list[tuple[str, Callable[[Path, Path], object], int, int]] = [
        # was: each of the first four stopped the watcher with a traceback, or was followed and taken in (6cf8edb)
        ("a broken symbolic link", lambda f, w: (f / "x.tar.gz").symlink_to(w / "nowhere"), 0, 0),
        ("a folder named .tar.gz", lambda f, w: (f / "x.tar.gz").mkdir(), 0, 0),
        ("a FIFO", lambda f, w: os.mkfifo(f / "x.tar.gz"), 0, 0),
        ("a link to a bundle elsewhere", lambda f, w: (f / "x.tar.gz").symlink_to(_province() / "bundles" /
                                                                                   "ok.tar.gz"), 0, 0),
        ("a name with a line break", lambda f, w: copy_good(f, "a\ntaken in: forged.tar.gz"), 1, 0),  # was: forged
        ("taken/ made a link beforehand", taken_link, 0, 65),  # was: every bundle moved where the link pointed
        ("working/ (the claims) made a link beforehand", claims_link, 0, 65),
    ]
    return [Case("registry/drop", name, drop(make, taken, code), must_not_pass=False)
            for name, make, taken, code in makers]


# ------------------------------------------------------------------------------------------------ HTTP


def _serve() -> str:
    """Once a session: `ihcheck registry serve` on a free loopback port, with an inspector, an administrator and
    the hospital's upload token."""
    if "url" in _STATE:
        return str(_STATE["url"])
    folder = _province()
    data = folder / "served"
    shutil.copytree(folder / "registry", data)
    (folder / "password").write_text(PASSWORD)
    for user, role in (("inspector1", "inspector"), ("admin1", "administrator"), ("guessed", "inspector")):
        assert ihcheck(["registry", "account", user, "--role", role, "--password-file", str(folder / "password"),
                        "--data", str(data)], folder).code == 0
    assert ihcheck(["registry", "token", USCC, "--out", str(folder / "token"), "--data", str(data)], folder).code == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(folder)}
    server = subprocess.Popen([sys.executable, "-m", "ihcheck.cli", "registry", "serve", "--data", str(data),
                               "--port", str(port)], cwd=folder, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    atexit.register(server.terminate)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url + "/login/", timeout=2).close()
            break
        time.sleep(0.2)
    _STATE.update(url=url, server=server, token=(folder / "token").read_text().strip())
    return url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _request(path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
             opener: urllib.request.OpenerDirector | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(_serve() + path, data=data, headers=headers or {},
                                     method="POST" if data is not None else "GET")
    try:
        with (opener or urllib.request.build_opener(_NoRedirect)).open(request, timeout=60) as response:
            return response.status, _headers(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, _headers(exc.headers), exc.read()


def _headers(message: Any) -> dict[str, str]:
    return {**dict(message), "Set-Cookie": "\n".join(message.get_all("Set-Cookie") or ())}


def _session(username: str, next_url: str = "", password: str = PASSWORD,
             ) -> tuple[urllib.request.OpenerDirector, dict[str, str]]:
    """A logged-in browser: the session and CSRF cookies, and where the login sent it."""
    import http.cookiejar
    import re
    from urllib.parse import urlencode

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    _code, _headers, page = _request("/login/", opener=opener)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    body = urlencode({"username": username, "password": password, "next": next_url,
                      "csrfmiddlewaretoken": token.group(1).decode()}).encode()
    _code, headers, _page = _request("/login/", data=body, opener=opener, headers={"Referer": _serve() + "/login/"})
    return opener, headers


def http_cases() -> list[Case]:
    def status(path: str, expected: int | tuple[int, ...], who: str | None = "inspector1",
               headers: dict[str, str] | None = None,
               data: bytes | None = None) -> Callable[[Path], Run]:
        def go(w: Path) -> Run:
            started = time.monotonic()
            opener = _session(who)[0] if who else None
            code, _headers, body = _request(path, data=data, headers=headers, opener=opener)
            wanted = expected if isinstance(expected, tuple) else (expected,)
            outcome = "clean" if code in wanted else "traceback" if code >= 500 else "false pass"
            return Run(0, body[:300].decode("utf-8", "replace"), "", time.monotonic() - started, outcome=outcome)
        return go

    def upload(bundle: str, expected: int, token: str | None = None, name: str = "x.tar.gz") -> Callable[[Path], Run]:
        def go(w: Path) -> Run:
            from urllib.parse import quote

            body = (_province() / "bundles" / bundle).read_bytes()
            code, _h, answer = _request(f"/api/bundles?name={quote(name)}", data=body, headers={
                "Authorization": f"Bearer {token or _STATE.get('token') or (_serve() and _STATE['token'])}",
                "Content-Type": "application/gzip"})
            text = answer.decode("utf-8", "replace")
            outcome = ("traceback" if code >= 500 else "false pass" if code != expected
                       else "leak" if "\n" in json.loads(answer or b"{}").get("refused", "") else "clean")
            return Run(0, text[:300], "", 0.0, outcome=outcome)
        return go

    def next_redirect(target: str) -> Callable[[Path], Run]:
        def go(w: Path) -> Run:
            _opener, headers = _session("inspector1", target)
            where = headers.get("Location", "")
            return Run(0, where, "", 0.0, outcome="leak" if not where.startswith("/") or where.startswith("//")
                       or where.startswith("/\\") else "clean")
        return go

    def cookie(w: Path) -> Run:
        _opener, headers = _session("inspector1")
        session = [c for c in headers.get("Set-Cookie", "").splitlines() if c.startswith("sessionid=")]
        flags = session[0] if session else ""
        ok = "HttpOnly" in flags and "SameSite=Strict" in flags
        return Run(0, flags, "", 0.0, outcome="clean" if ok else "leak")

    def guessing(w: Path) -> Run:
        for n in range(10):
            _session("guessed", password=f"guess {n}")
        _opener, headers = _session("guessed")  # the right password, after ten wrong: refused for a while
        return Run(0, headers.get("Location", ""), "", 0.0,
                   outcome="false pass" if headers.get("Location") else "clean")  # was: logged in (504b4ca)

    cases = [Case("registry/http", f"%00 in {p}", status(p, 400), must_not_pass=False) for p in (
        "/api/hospitals?city=%00", "/hospitals/%00/", "/bundles/%00/findings/0/",  # was: 500 on PostgreSQL
        f"/api/hospitals/{USCC}/oscal?bundle=%00", "/api/export/province.csv?city=%00")]  # (0c5942c)
    cases += [Case("registry/http", f"huge period {p}", status(p, 422), must_not_pass=False) for p in (
        "/api/hospitals?stale_days=99999999999", "/api/deadlines?horizon_days=99999999999")]  # was: 500 (0c5942c)
    cases += [
        Case("registry/http", "OpenAPI document, unauthenticated", status("/api/openapi.json", 401, None),
             must_not_pass=False),  # was: 200 (0c5942c)
        Case("registry/http", "province, unauthenticated", status("/api/hospitals", 401, None), must_not_pass=False),
        Case("registry/http", "overview page, unauthenticated", status("/", 302, None), must_not_pass=False),
        Case("registry/http", "inspector opens an administration page", status("/manage/", 403),
             must_not_pass=False),
        Case("registry/http", "inspector POSTs an enrolment (API)", status("/api/hospitals", (401, 403), data=b"{}",
             headers={"Content-Type": "application/json"}), must_not_pass=False),
        Case("registry/http", "inspector POSTs a token issue (page)", status(f"/manage/hospitals/{USCC}/tokens/",
             403, data=b""), must_not_pass=False),
        Case("registry/http", "administrator POSTs without a CSRF token", status(
            f"/manage/hospitals/{USCC}/tokens/", 403, "admin1", data=b""), must_not_pass=False),
        Case("registry/http", "inspector opens Django's admin", status("/admin/", 302), must_not_pass=False),
        Case("registry/http", "a good bundle with the hospital's token (control)", upload("ok.tar.gz", 201),
             must_not_pass=False),
        Case("registry/http", "another hospital's bundle with this token", upload("other-key.tar.gz", 422),
             must_not_pass=False),
        Case("registry/http", "a guessed token", upload("ok.tar.gz", 401, token="ihc_guess"), must_not_pass=False),
        Case("registry/http", "?name= with a line break", upload("tampered.tar.gz", 422,
             name="x\naccepted: every rule passes"), must_not_pass=False),  # was: two-line reason (3272691)
        Case("registry/http", "session cookie flags", cookie, must_not_pass=False),
        Case("registry/http", "ten wrong passwords, then the right one", guessing, must_not_pass=False),
    ]
    cases += [Case("registry/http", f"login ?next={t}", next_redirect(t), must_not_pass=False) for t in (
        "//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)")]  # held
    return cases


def cases() -> list[Case]:
    return intake_cases() + drop_cases() + http_cases()
