"""One JupyterLab server and one headless Chromium for all the browser tests.

Skipped, with a message saying how to install them, where Debian's `chromium` and `chromium-driver`
or the `selenium` package are missing; under CI (`CI` set, as .ci/run is run) that is a failure
instead, since .ci/run installs them. Nothing is downloaded: Selenium gets the driver's path, so its
"Selenium Manager" never fetches a browser or a driver of its own.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "browser"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
WINDOW = (1366, 900)  # a laptop screen
COUNTS = pytest.StashKey[dict]()


def missing_tools() -> str | None:
    if not (CHROMIUM and CHROMEDRIVER):
        return ("the browser tests need Chromium and its driver: install them with "
                "`sudo apt-get install chromium chromium-driver`")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the browser tests need Selenium: install it with `pip install -e '.[dev]'` (or `pip install selenium`)"
    return None


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if (why := missing_tools()) and os.environ.get("CI"):
        pytest.fail(why)
    if why:
        pytest.skip(why)
    from lab_server import LabServer

    root = tmp_path_factory.mktemp("notebooks")  # a copy: running the cells writes outputs into the files
    for notebook in (REPO / "notebooks").glob("*.ipynb"):
        shutil.copy(notebook, root)
    server = LabServer(root, REPO, tmp_path_factory.mktemp("jupyterlab"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(lab):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={WINDOW[0]},{WINDOW[1]}", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # to read the JS console
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def checked(request) -> dict:
    """How many notebooks, widget views and controls the session checked (shown at the end)."""
    return request.config.stash.setdefault(COUNTS, {"notebooks": 0, "views": 0, "controls": 0, "single choice": 0,
                                                   "seconds": {}})


def pytest_terminal_summary(terminalreporter, config):
    counts = config.stash.get(COUNTS, None)
    if counts and counts["notebooks"]:
        terminalreporter.write_line(
            f"browser: {counts['views']} widget views with {counts['controls']} controls checked in "
            f"{counts['notebooks']} notebooks ({counts['single choice']} of the controls lists of one choice)")
        for notebook, (cells, views) in counts["seconds"].items():
            terminalreporter.write_line(f"  {notebook}: {cells:.0f} s to open and run its cells, "
                                        f"{views:.0f} s on its widgets")
