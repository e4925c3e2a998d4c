"""The interactive app end to end: served by Solara, driven in a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_url():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        message = "no Chromium: run scripts/install_browser.sh as root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    solara = shutil.which("solara", path=str(Path(sys.executable).parent))
    server = subprocess.Popen(
        [solara, "run", "sscsim/app.py", "--port", str(port), "--host", "127.0.0.1", "--no-open"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(url, timeout=5).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not start within 120 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_page_renders_and_a_step_changes_the_charts(app_url):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                     "--window-size=1400,1000"):  # fmt: skip
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        browser.get(app_url)
        wait = WebDriverWait(browser, 90, poll_frequency=0.5)
        # The network view and four charts are rendered as images.
        wait.until(lambda b: len(b.find_elements(By.TAG_NAME, "img")) >= 5)
        before = [image.get_attribute("src") for image in browser.find_elements(By.TAG_NAME, "img")]
        assert all(source for source in before)  # rendered (as blob URLs)
        labels = browser.find_element(By.TAG_NAME, "body").text
        assert "ODA cut (share)" in labels and "SIDS priority" in labels  # the levers
        step = next(
            b
            for b in browser.find_elements(By.TAG_NAME, "button")
            if b.text.strip().upper() == "STEP"
        )
        step.click()

        def charts_changed(driver) -> bool:
            after = [
                image.get_attribute("src") for image in driver.find_elements(By.TAG_NAME, "img")
            ]
            return (
                len(after) == len(before)
                and sum(a != b for a, b in zip(after, before, strict=True)) >= 4
            )

        wait.until(charts_changed)
    finally:
        browser.quit()
