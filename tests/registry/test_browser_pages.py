"""The regulator's pages in a real browser: Debian's Chromium (/usr/bin/chromium) driven by Playwright, against the
registry served by waitress on loopback, holding a simulated province (ihcheck.registry.province, 12 hospitals ×
8 weekly bundles, every one verified on intake).

The tests save screenshots of the overview, a hospital page and a finding at 1366×768 and 1920×1080, and of the
overview, a hospital, a rule and a finding at a phone's and a tablet's width (375×812, 768×1024, full page), under
$IHCHECK_SCREENSHOTS (default out/screenshots/registry, git-ignored) for a person to look at."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency (pyproject)")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("IHCHECK_SCREENSHOTS", Path(__file__).resolve().parents[2] / "out" / "screenshots" /
                            "registry"))
SIZES = ((1366, 768), (1920, 1080))
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def province(registry_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A registry on SQLite loaded with the demo's province and its two accounts, served on a free port."""
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    from ihcheck.registry.demo import accounts, load
    from ihcheck.registry.settings import database_settings
    from tests.registry.conftest import _use

    _use(database_settings(None, registry_data))
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(registry_data / "blobs", ignore_errors=True)
    loaded = load(12, 8, work=tmp_path_factory.mktemp("province"))
    logins = accounts()
    server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.effective_port}", "loaded": loaded, "logins": logins}
    finally:
        server.close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM reads are synchronous and
    # run between browser steps (Django's documented escape hatch, set only while this module runs).
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()
    if saved is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


def _page(browser: Any, width: int = 1366, height: int = 768, **options: Any) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def _login(page: Any, url: str, login: tuple[str, str]) -> None:
    page.goto(f"{url}/")
    assert "/login/" in page.url, "an anonymous visitor is sent to the login page"
    page.get_by_label("用户名").fill(login[0])
    page.get_by_label("密码").fill(login[1])
    page.get_by_role("button", name="登录 Log in").click()
    page.wait_for_url(f"{url}/")


def _shots(page: Any, name: str) -> None:
    """The page at both sizes (charts given time to draw); the PNGs are for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)
        path = SHOTS / f"{name}-{width}x{height}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width}×{height} ({overflow} px)"
    page.set_viewport_size({"width": 1366, "height": 768})


def _tampered_upload(uscc: str, folder: Path) -> Path:
    """The hospital's latest stored bundle with one verdict turned to pass after signing."""
    from django.core.files.storage import default_storage

    from ihcheck.registry.models import Hospital
    from ihcheck.registry.province import tampered

    latest = Hospital.objects.get(uscc=uscc).latest_bundle
    with default_storage.open(latest.blob, "rb") as handle:
        data = handle.read()
    path = folder / "weekly.tar.gz"
    path.write_bytes(tampered(data))
    return path


def test_a_regulators_morning(province: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    from ihcheck.registry.models import Action, Bundle, Hospital, KeyEvent
    from ihcheck.registry.province import TURNED_RED
    from reports.keys import SigningKeys

    url, loaded = province["url"], province["loaded"]
    page = _page(browser)
    _login(page, url, province["logins"].administrator)

    # The overview: every hospital, the stale and refused first, the charts drawn.
    table = page.locator("table.province tbody tr")
    assert table.count() == loaded.hospitals
    assert "上传被拒" in table.first.inner_text() or "超期" in table.first.inner_text()
    page.locator("#chart-cities svg").first.wait_for()
    page.locator("#chart-rates svg").first.wait_for()
    _shots(page, "overview")

    # Filter to one city.
    red = Hospital.objects.get(uscc=loaded.first(TURNED_RED))
    page.get_by_label("城市").select_option(red.city)
    page.get_by_role("button", name="筛选 Filter").click()
    page.wait_for_url(re.compile(r"city="))
    cities = page.locator("table.province tbody tr td:nth-child(2)").all_inner_texts()
    assert cities and set(cities) == {red.city}
    assert table.count() == Hospital.objects.filter(city=red.city).count() < loaded.hospitals

    # The hospital that turned red after a failing bundle: its timeline shows the change.
    page.get_by_role("link", name=red.name).click()
    page.get_by_role("heading", name=red.name).wait_for()
    timeline = page.locator("ol.timeline > li").first
    assert "不符合" in timeline.inner_text() and "→" in timeline.inner_text()
    _shots(page, "hospital")

    # Down to the observation behind the failing finding.
    previous = Bundle.objects.filter(hospital=red).exclude(pk=red.latest_bundle_id).order_by("-signed_at").first()
    failing = sorted(r for r, v in red.latest_bundle.rules.items() if v == "fail" and previous.rules.get(r) == "pass"
                     and not r.startswith("GD2020-1.2.1-l3-"))  # the scenario's own fault, not a per-host MLPS item
    # the one whose finding cites observations (a document's absence is shown as the document, not a command)
    failing = [f.rule_id for f in red.latest_bundle.findings.filter(rule_id__in=failing, verdict="fail")
               if f.observations]
    assert failing, "the latest bundle fails, on what was observed, a rule of the notice the one before passed"
    page.locator("section", has=page.get_by_role("heading", name=re.compile("未通过的结论"))) \
        .get_by_role("link", name=re.compile(failing[0])).click()
    page.get_by_role("heading", name=re.compile(failing[0])).wait_for()
    observation = page.locator("article.card").first
    text = observation.inner_text()
    assert re.search(r"SHA-256\s+[0-9a-f]{64}", text) and re.search(r"SM3\s+[0-9a-f]{64}", text)
    assert "命令" in text and "输出" in text
    assert red.latest_bundle.key.ed25519 in page.content(), "the signer is named"
    _shots(page, "finding")

    # Hand in a tampered bundle: refused, with the reason, nothing stored.
    before = Bundle.objects.count()
    page.goto(f"{url}/manage/hospitals/{red.uscc}/")
    page.get_by_label(re.compile("证据包 Bundle")).set_input_files(str(_tampered_upload(red.uscc, tmp_path)))
    page.get_by_role("button", name="提交 Submit").click()
    refusal = page.locator("#refused")
    refusal.wait_for()
    assert "已拒收" in refusal.inner_text() and re.search(r"findings\.json|digest|signature|签名", refusal.inner_text())
    assert Bundle.objects.count() == before
    _shots(page, "refused")
    assert Action.objects.filter(event="refuse", hospital=red).exists()
    page.goto(f"{url}/hospitals/{red.uscc}/")
    assert "被拒" in page.locator("ol.timeline > li").first.inner_text()

    # Enrol a hospital, then rotate its key.
    first, second = SigningKeys.generate(), SigningKeys.generate()
    page.get_by_role("link", name=re.compile("管理")).first.click()
    form = page.locator("#enrol-form")
    form.get_by_label(re.compile("名称")).fill("珠海模拟新登记互联网医院")
    form.get_by_label(re.compile("统一社会信用代码")).fill("12440400MB0999999X")
    form.get_by_label(re.compile("城市")).fill("珠海")
    form.get_by_label(re.compile("执业登记日期")).fill("2026-11-20")
    form.get_by_label(re.compile("签名密钥指纹")).fill(" ".join(first.public().fingerprints()))
    form.get_by_role("button", name="登记 Enrol").click()
    page.wait_for_url(re.compile(r"/manage/hospitals/12440400MB0999999X/"))
    rotate = page.locator("#rotate-form")
    rotate.get_by_label(re.compile("新密钥指纹")).fill(" ".join(second.public().fingerprints()))
    rotate.get_by_label(re.compile("原因")).fill("测试轮换 test rotation")
    rotate.get_by_role("button", name="轮换 Rotate").click()
    page.get_by_text("已轮换 rotated to").wait_for()
    keys = page.locator("section", has=page.get_by_role("heading", name=re.compile("签名密钥"))).inner_text()
    assert second.public().fingerprints()[0] in keys and "已轮换 retired" in keys and "有效 current" in keys
    new = Hospital.objects.get(uscc="12440400MB0999999X")
    assert [e.kind for e in KeyEvent.objects.filter(key__hospital=new).order_by("id")] == ["enrol", "rotate", "enrol"]
    assert {"enrol", "key.enrol", "key.rotate"} <= set(Action.objects.filter(hospital=new).values_list("event", flat=True))

    page.get_by_role("button", name="退出 Log out").click()
    page.wait_for_url(re.compile(r"/login/"))
    page.goto(f"{url}/")
    assert "/login/" in page.url
    page.context.close()


ADMIN_PATHS = ("/manage/", "/manage/hospitals/{uscc}/", "/manage/hospitals/{uscc}/keys/rotate/",
               "/manage/hospitals/{uscc}/keys/revoke/", "/manage/hospitals/{uscc}/tokens/",
               "/manage/hospitals/{uscc}/upload/", "/manage/accounts/")


def test_an_inspector_reads_but_cannot_reach_administration(province: dict[str, Any], browser: Any) -> None:
    from ihcheck.registry.models import Action, Hospital, UploadToken

    url = province["url"]
    uscc = province["loaded"].first("compliant")
    page = _page(browser)
    _login(page, url, province["logins"].inspector)
    assert page.locator("table.province tbody tr").count() == Hospital.objects.count()
    assert page.get_by_role("link", name=re.compile("管理")).count() == 0, "no administration link"
    page.goto(f"{url}/hospitals/{uscc}/")
    assert page.get_by_role("link", name=re.compile("管理密钥")).count() == 0
    for path in ADMIN_PATHS:  # by direct URL
        response = page.goto(url + path.format(uscc=uscc))
        assert response.status == 403 and "仅限管理员" in page.content(), path
        assert page.locator("form input[type=file], #enrol-form, #rotate-form").count() == 0
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    actions = Action.objects.count()
    for path, form in (("/manage/", {"name": "x", "uscc": "12440400MB0888888X", "city": "珠海"}),
                       ("/manage/hospitals/{uscc}/tokens/", {}),
                       ("/manage/hospitals/{uscc}/tokens/revoke/", {"confirm": "yes"}),
                       ("/manage/accounts/", {"username": "mallory", "role": "administrator",
                                              "password": "correct horse battery staple"})):
        response = page.request.post(url + path.format(uscc=uscc), form={"csrfmiddlewaretoken": token, **form},
                                     headers={"Referer": url + "/", "X-CSRFToken": token})
        assert response.status == 403, path  # by POST, with a valid CSRF token: the role refuses it
    assert not Hospital.objects.filter(uscc="12440400MB0888888X").exists()
    assert UploadToken.objects.filter(hospital__uscc=uscc, revoked_at__isnull=False).count() == 0
    assert Action.objects.count() == actions, "nothing was done"
    from django.contrib.auth.models import User

    assert not User.objects.filter(username="mallory").exists()
    page.context.close()


def test_the_pages_read_without_javascript(province: dict[str, Any], browser: Any) -> None:
    page = _page(browser, java_script_enabled=False)
    _login(page, province["url"], province["logins"].inspector)
    from ihcheck.registry.models import Hospital

    rows = page.locator("table.province tbody tr")
    assert rows.count() == Hospital.objects.count()
    assert "超期" in page.content() and "上传被拒" in page.content()
    assert page.locator("noscript").count() >= 1
    page.get_by_role("link", name=re.compile("模拟")).first.click()
    assert page.locator("ol.timeline > li").count() >= 1
    for uscc in Hospital.objects.values_list("uscc", flat=True):  # every story's page renders, even an empty one
        response = page.goto(f"{province['url']}/hospitals/{uscc}/")
        assert response.status == 200 and uscc in page.content()
    new = province["loaded"].first("new")
    page.goto(f"{province['url']}/hospitals/{new}/")
    assert "尚未提交" in page.content()
    page.context.close()


NARROW = ((375, 812), (768, 1024))  # a phone and a tablet, held upright

# What overflows, as the browser laid it out (against the device's width: a phone's browser zooms out to show a
# page wider than itself, so window.innerWidth grows with the overflow): the page wider than the window; a table
# not inside a container that scrolls sideways (.scroll), such a container wider than the window, or a caption
# cut at its edge; an element (other than inside such a container) whose right edge lies beyond the window; text
# cut: an element clipping its own content sideways (overflow hidden/clip, or an ellipsis) that is wider than
# its box. Each as one line a person can find.
OVERFLOWS = """(width) => {
  const doc = document.documentElement, found = [];
  const where = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
      ' «' + (e.innerText || '').trim().slice(0, 40).replace(/\\s+/g, ' ') + '»';
  if (doc.scrollWidth > width || window.innerWidth > width)  // a phone zooms out to fit a page too wide for it
    found.push(`page: ${Math.max(doc.scrollWidth, window.innerWidth)} px wide in a ${width} px window`);
  for (const table of document.querySelectorAll('main table')) {
    if (table.closest('noscript')) continue;
    const box = table.closest('.scroll');
    if (!box) { found.push('table outside a scrolling container: ' + where(table)); continue; }
    const style = getComputedStyle(box);
    if (!['auto', 'scroll'].includes(style.overflowX)) found.push('container does not scroll: ' + where(box));
    if (box.getBoundingClientRect().right > width + 0.5) found.push('container wider than the window: ' + where(box));
    const caption = table.querySelector('caption');
    if (caption && caption.getBoundingClientRect().right > box.getBoundingClientRect().right + 0.5)
      found.push('caption cut at the edge of its container: ' + where(caption));
  }
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('.scroll, noscript, .skip, .chart') || e.getClientRects().length === 0) continue;
    const r = e.getBoundingClientRect(), style = getComputedStyle(e);
    if (r.right > width + 0.5) found.push(`beyond the window by ${Math.round(r.right - width)} px: ` + where(e));
    const clips = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
    if (clips && e.scrollWidth > e.clientWidth + 1 && (e.innerText || '').trim())
      found.push(`text cut (${e.scrollWidth} px in ${e.clientWidth}): ` + where(e));
  }
  return found;
}"""


def test_the_pages_fit_a_phone_and_a_tablet(province: dict[str, Any], browser: Any) -> None:
    """The overview, a hospital, a rule and a finding at a phone's and a tablet's width: nothing wider than the
    window, every table scrolling inside its own container, no text cut; full-page screenshots for a person."""
    from ihcheck.registry.models import Finding, Hospital
    from ihcheck.registry.province import TURNED_RED

    url, loaded = province["url"], province["loaded"]
    red = Hospital.objects.get(uscc=loaded.first(TURNED_RED))
    finding = (Finding.objects.filter(bundle=red.latest_bundle, verdict="fail").exclude(observations=[])
               .order_by("index").first())
    assert finding is not None
    pages = {"overview": "/", "hospital": f"/hospitals/{red.uscc}/", "rule": f"/rules/{finding.rule_id}/",
             "finding": f"/bundles/{red.latest_bundle.digest}/findings/{finding.index}/"}
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for width, height in NARROW:
        page = _page(browser, width, height, is_mobile=True, has_touch=True, device_scale_factor=1)
        _login(page, url, province["logins"].inspector)
        for name, path in pages.items():
            response = page.goto(url + path)
            assert response.status == 200, path
            if name == "overview":
                page.locator("#chart-cities svg").first.wait_for()
            page.wait_for_timeout(300)
            page.screenshot(path=str(SHOTS / f"{name}-{width}x{height}.png"), full_page=True)
            problems += [f"{name} at {width} px: {p}" for p in page.evaluate(OVERFLOWS, width)]
        page.context.close()
    assert not problems, "\n".join(problems)
