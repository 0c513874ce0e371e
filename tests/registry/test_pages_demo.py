"""`ihcheck registry demo` as a person runs it: it loads a small simulated province, prints the URL and a
read-only login that work, and stops cleanly on Ctrl-C (SIGINT), leaving no data folder behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_serves_a_province_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "IHCHECK_REGISTRY_DATA": str(tmp_path / "unused"), "COLUMNS": "200"}
    env.pop("IHCHECK_REGISTRY_DATABASE", None)
    process = subprocess.Popen([sys.executable, "-m", "ihcheck", "registry", "demo", "--hospitals", "8", "--weeks",
                                "2", "--port", "0"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               # a terminal's Ctrl-C: CI may start the tests with SIGINT ignored (a background
                               # job), which the child would inherit and keep ignoring, as Python does
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not any("Ctrl-C" in line for line in lines):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        text = "".join(lines)
        url = re.search(r"on (http://127\.0\.0\.1:\d+/)", text)
        assert url, text
        assert re.search(r"8 hospitals, \d+ bundles taken in, 1 refused", text), text
        login = re.search(r"read-only login 只读账户:\s+(\S+) / (\S+)", text)
        assert login and login.group(1) == "inspector", text
        folder = Path(re.search(r"data: (\S+)", text).group(1))  # type: ignore[union-attr]
        assert (folder / "registry.sqlite3").is_file()
        with urllib.request.urlopen(url.group(1) + "login/", timeout=30) as response:
            assert response.status == 200 and "登录" in response.read().decode()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert "registry demo stopped" in err and "Traceback" not in err
        assert not folder.exists(), "the temporary registry is removed on exit"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
