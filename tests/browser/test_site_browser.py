"""The course website in headless Chromium, opened from file:// with the network off.

The site is built here from SITE_CHAPTERS executed on tiny (about two minutes), or taken ready-made from
$GAN_COURSE_SITE (e.g. build/site after `make site PRESET=tiny`, to check every chapter). The network is
off twice over: Chromium resolves no host name (`--host-resolver-rules=MAP * ~NOTFOUND`) and DevTools'
network emulation is offline; the performance log then lists every request a page made, and a test fails
on any that is not file:, data: or blob:. For each page (the index and every chapter):
  - moving each control of each pre-rendered view (`.gan-course-static`) changes the picture shown;
  - the maths renders: every maths element holds MathJax's output, and no `$$`, `\\(` or `\\[` is left
    in the text a reader sees;
  - the JavaScript console shows no error (SEVERE).
Screenshots of every view, before and after its controls moved, go into build/browser-site/<page>/.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Beside build/browser/, not in it: the JupyterLab tests empty build/browser/ when they start, maybe while
# this test (on another xdist worker) writes its screenshots
SCREENSHOTS = REPO / "build" / "browser-site"
# 02: a list (class picker) and a slider (class interpolation); 07: sliders, and two checkboxes made one
# Stack of Stacks (noise explorer). Both run in about a minute on tiny.
SITE_CHAPTERS = ("02", "07")
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
NETWORK_OFF = "--host-resolver-rules=MAP * ~NOTFOUND"  # every host name fails to resolve: nothing leaves

# Maths left as TeX (MathJax did not run) in what a reader sees: the page's text outside code blocks.
RAW_MATHS = """
const article = document.querySelector('article') || document.body;
const copy = article.cloneNode(true);
for (const el of copy.querySelectorAll('pre, code, script, style, mjx-container, .cell_input')) el.remove();
const text = copy.textContent;
return ['$$', '\\\\(', '\\\\[', '\\\\begin{'].filter(s => text.includes(s));
"""
MATHS = """
const maths = [...document.querySelectorAll('.math')];
return {maths: maths.length, typeset: maths.filter(m => m.querySelector('mjx-container')).length};
"""
# The pictures a view shows now: a Stack shows only its selected child
SHOWN_IMAGES = "return [...arguments[0].querySelectorAll('img')].filter(img => img.offsetParent !== null)"


def missing_tools() -> str | None:
    if not (CHROMIUM and CHROMEDRIVER):
        return "the site's browser test needs Chromium and its driver: `sudo apt-get install chromium chromium-driver`"
    for module in ("selenium", "sphinx", "myst_nb"):
        try:
            __import__(module)
        except ImportError:
            return f"the site's browser test needs {module}: `pip install -e '.[dev]'`"
    if not os.environ.get("GAN_COURSE_SITE") and not shutil.which("npm"):
        return "building the site needs npm (it bundles MathJax and the widget JavaScript): `apt-get install npm`"
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if (why := missing_tools()) and os.environ.get("CI"):
        pytest.fail(why)
    if why:
        pytest.skip(why)
    if os.environ.get("GAN_COURSE_SITE"):
        folder = Path(os.environ["GAN_COURSE_SITE"]).resolve()
        if not (folder / "build-report.json").exists():
            pytest.fail(f"$GAN_COURSE_SITE={folder} is not a built site (no build-report.json): run `make site`")
        return folder
    from gan_course import course
    from gan_course.site.build import build

    chapters = [p for p in course.chapters(REPO / "notebooks") if p.name[:2] in SITE_CHAPTERS]
    work, out = tmp_path_factory.mktemp("site_work"), tmp_path_factory.mktemp("site") / "site"
    start = time.perf_counter()
    report = build("tiny", chapters, out, work, assets_cache=REPO / "build" / "site_assets")  # npm cache kept
    print(f"\nsite of {len(chapters)} tiny chapters built in {time.perf_counter() - start:.0f} s "
          f"({report['seconds']}), {report['size_mb']:.1f} MB")
    return out


def report(site: Path) -> dict:
    return json.loads((site / "build-report.json").read_text())


def pages(site: Path) -> list[str]:
    return ["index.html"] + [f"{name}.html" for name in report(site)["views"]]


@pytest.fixture(scope="module")
def browser(site):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1366,900",
                "--force-device-scale-factor=1", NETWORK_OFF, "--disable-background-networking",
                "--disable-component-update", "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})  # console, requests
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    driver.set_script_timeout(30)
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    yield driver
    driver.quit()


def requests_off_disk(driver) -> list[str]:
    """Every URL the page asked for that is not on disk or in memory (since the last call)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return [u for u in urls if not u.startswith(("file:", "data:", "blob:"))]


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def open_page(driver, url: str, views: int, timeout: float = 60) -> None:
    """Load a page and wait until MathJax has typeset it and the widget manager drawn `views` static views."""
    from lab_page import NotebookPage

    driver.get(url)
    NotebookPage(driver, None).wait_for(
        lambda: driver.execute_script("return document.readyState") == "complete"
        and (lambda m: m["typeset"] == m["maths"])(driver.execute_script(MATHS))
        and len(driver.find_elements("css selector", ".gan-course-static")) >= views,
        f"{url}: the maths typeset and {views} static views drawn", timeout)


def shown_picture(page, view) -> tuple[bytes, ...] | None:
    return page.image_bytes(page.driver.execute_script(SHOWN_IMAGES, view))


def test_no_page_loads_anything_from_the_network(site):
    from gan_course.site import offline

    assert offline.external_references(site) == []
    assert report(site)["warnings"] == []  # e.g. a picture Sphinx could not find is a warning, and a hole in the page
    for page in pages(site)[1:]:  # every chapter page carries its widget state and the bundled manager
        html = (site / page).read_text(encoding="utf-8")
        assert 'type="application/vnd.jupyter.widget-state+json"' in html
        assert re.search(r'<script src="_static/vendor/html-manager/embed.js[^"]*">', html)


def test_the_test_would_see_a_page_that_loads_from_the_network(browser, tmp_path):
    """The harness itself: a page with a CDN script is caught, and the script does not arrive (network off)."""
    page = tmp_path / "cdn.html"
    page.write_text("<html><head><script src='https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js'></script>"
                    "</head><body>$$x$$</body></html>")
    requests_off_disk(browser), console_errors(browser)  # start from empty logs
    browser.get(page.as_uri())
    time.sleep(1)
    assert requests_off_disk(browser) == ["https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js"]
    assert any("ERR_" in message for message in console_errors(browser))  # it failed: nothing was reachable
    assert browser.execute_script("return typeof window.MathJax") == "undefined"


def check_page(site: Path, browser, name: str, expected: list) -> list[str]:
    """What is wrong with one page: maths, its static views' controls, requests, console errors."""
    from lab_page import NotebookPage

    page, shots = NotebookPage(browser, None), SCREENSHOTS / name.removesuffix(".html")
    shots.mkdir(parents=True, exist_ok=True)
    requests_off_disk(browser), console_errors(browser)  # start from empty logs
    open_page(browser, (site / name).as_uri(), len(expected))
    problems = [f"maths left as TeX in the text: {raw!r}" for raw in browser.execute_script(RAW_MATHS)]
    maths = browser.execute_script(MATHS)
    if maths["maths"] == 0:  # every chapter's introduction has maths, so every page has
        problems.append("no maths on the page: is MathJax's input there at all?")
    views = browser.find_elements("css selector", ".gan-course-static")
    if len(views) != len(expected):
        problems.append(f"{len(views)} static views drawn, the notebook holds {len(expected)}: {expected}")
    moved = 0
    for k, view in enumerate(views, 1):
        browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", view)
        view.screenshot(str(shots / f"{k:02d}_before.png"))
        controls, unknown = page.controls(view)
        problems += [f"view {k}: a control the test does not know: {html}" for html in unknown]
        if not controls:
            problems.append(f"view {k}: no control to move")
        for control in controls:
            before = page.wait_for(lambda: shown_picture(page, view), f"view {k}'s picture", timeout=10)
            if control.kind == "play":  # the theme draws Font Awesome icons as SVG: the buttons by position
                control.element.find_elements("css selector", "button")[0].click()
            else:
                page.change(control)
            try:
                page.wait_for(lambda: (now := shown_picture(page, view)) and now != before, "a new picture", timeout=10)
                moved += 1
            except AssertionError:
                problems.append(f"view {k} ({view.text.splitlines()[0][:50]!r}): moving {control.name} did not "
                                f"change the picture")
            if control.kind == "play":
                control.element.find_elements("css selector", "button")[1].click()  # stop
        view.screenshot(str(shots / f"{k:02d}_after.png"))
    browser.save_screenshot(str(shots / "page.png"))
    problems += [f"asked the network for {url}" for url in requests_off_disk(browser)]
    problems += [f"JavaScript console: {message}" for message in console_errors(browser)]
    print(f"{name}: {len(views)} static views, {moved} controls moved and changed the picture, "
          f"{maths['typeset']} maths elements typeset")
    return [f"{name}: {problem}" for problem in problems]


def test_every_page_offline(site, browser):
    """The index and every chapter: maths typeset, each static control changes the picture, no error."""
    problems = check_page(site, browser, "index.html", [])
    for chapter, views in report(site)["views"].items():
        problems += check_page(site, browser, f"{chapter}.html", views)
    assert not problems, "\n".join(problems) + f"\nscreenshots: {SCREENSHOTS}"
