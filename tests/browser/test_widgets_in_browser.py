"""Every chapter's widgets in a real JupyterLab, in headless Chromium, on the tiny preset.

For each notebook: run all cells with JupyterLab's own command, then for every widget view found in
the outputs (nothing here names a chapter's widgets, so new chapters are covered as they come):
  - it renders: no "Error displaying widget";
  - its picture is shown at its intended size: not stretched, enlarged only by a whole factor
    (pixelated), at most 900 x 600 px; the view no wider than 900 px and no taller than the notebook
    area of a 1366 x 900 window, so that its controls and its picture can be seen together; slider
    tracks and selection lists wide enough to use;
  - moving each control (keyboard on a slider, another option, a click ...) changes the picture's
    bytes. Two cases are named, not skipped: a Play button passes when the picture changes (it moves
    the slider it is linked to), and a list with a single option is counted, having nothing to pick.
    An input the suite does not know how to move, or a widget without a picture, is a failure;
  - the JavaScript console shows no error.
Screenshots of every view go into build/browser/<notebook>/ (after a failure, also as left by the test).
"""
from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "browser"
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_WIDTH, MAX_HEIGHT = 900, 600  # a laptop screen shows the controls and the picture together
MIN_TRACK = 100  # px: a slider narrower than this shows little more than its handle


def image_size_problems(image: dict) -> list[str]:
    w, h, nw, nh = image["width"], image["height"], image["natural_width"], image["natural_height"]
    if not (nw and nh):
        return ["the image shows no picture"]
    shown = f"a {nw}x{nh} picture is shown at {w:.0f}x{h:.0f} px"
    problems = []
    if abs(w / nw - h / nh) * max(nw, nh) > 1.5:
        problems.append(f"{shown}: stretched")
    elif nw <= MAX_WIDTH and nh <= MAX_HEIGHT:
        factor = round(w / nw)
        if factor < 1 or abs(w - factor * nw) > 1:
            problems.append(f"{shown}: not a whole-number enlargement, so it is blurred")
        elif factor > 1 and image["rendering"] != "pixelated":
            problems.append(f"{shown} without `image-rendering: pixelated`, so it is blurred")
    if w > MAX_WIDTH + 1 or h > MAX_HEIGHT + 1:
        problems.append(f"{shown}: larger than {MAX_WIDTH}x{MAX_HEIGHT}")
    return problems


def layout_problems(layout: dict) -> list[str]:
    problems = [p for image in layout["images"] for p in image_size_problems(image)]
    problems += [f"slider {t['label']!r}: its track is {t['width']:.0f} px wide (< {MIN_TRACK})"
                 for t in layout["slider_tracks"] if t["width"] < MIN_TRACK]
    problems += [f"list {s['label']!r}: {s['client_width']} px wide for {s['scroll_width']} px of options "
                 f"(a horizontal scrollbar)" for s in layout["lists"] if s["scroll_width"] > s["client_width"]]
    if layout["widest"] > MAX_WIDTH + 20:  # + the widgets' own margins
        problems.append(f"the view is {layout['widest']:.0f} px wide (> {MAX_WIDTH})")
    if layout["height"] > layout["visible_height"]:
        problems.append(f"the view is {layout['height']:.0f} px tall but the notebook shows "
                        f"{layout['visible_height']} px at a time: its controls and picture cannot be seen together")
    return problems


def check_controls(page, view, checked: dict) -> list[str]:
    images = view.find_elements("css selector", "img")
    if not images:
        return ["no picture: the suite cannot see what its controls do (build views with gan_course.widgets.ImageView)"]
    controls, unknown = page.controls(view)
    problems = [f"a control the suite does not know how to move: {html}" for html in unknown]
    for control in controls:
        if control.choices == 1:  # a list of one (e.g. the one seed a tiny run has): there is nothing to pick
            checked["single choice"] += 1
            continue
        before = page.settled_images(images)
        page.change(control)
        if not page.wait_for_new_images(images, before):
            problems.append(f"{control.name}: moving it did not change the picture")
        if control.kind == "play":
            page.stop_playing(control)
    checked["controls"] += len(controls)
    return problems


def screenshot_views(views, folder: Path, suffix: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for k, view in enumerate(views, 1):
        view.parent.execute_script("arguments[0].scrollIntoView({block: 'start'})", view)
        title = re.sub(r"[^a-z0-9]+", "_", view.text.split("\n", 1)[0].lower())[:40].strip("_")
        view.screenshot(str(folder / f"{k:02d}_{title}{suffix}.png"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_widgets_in_the_browser(notebook, lab, browser, checked):
    from lab_page import NotebookPage

    page, shots = NotebookPage(browser, lab), SCREENSHOTS / notebook.stem
    start = time.perf_counter()
    page.open(notebook.name)
    views = []
    try:
        state = page.run_all()
        cells_done = time.perf_counter()
        assert not state["errors"], f"{notebook.name}: a cell failed: {state['errors']}"
        views = page.views()
        screenshot_views(views, shots)
        problems = []
        for k, view in enumerate(views, 1):
            title = view.text.split("\n", 1)[0][:60]
            problems += [f"view {k} ({title!r}): {p}" for p in layout_problems(page.measure(view))]
            problems += [f"view {k} ({title!r}): {p}" for p in check_controls(page, view, checked)]
        problems += [f"'Error displaying widget': {text[:200]}" for text in page.error_displays()]
        problems += [f"JavaScript console: {message}" for message in page.console_errors()]
        checked["notebooks"] += 1
        checked["views"] += len(views)
        checked["seconds"][notebook.stem] = (cells_done - start, time.perf_counter() - cells_done)
        assert not problems, "\n".join(problems) + f"\nscreenshots of every view: {shots}"
    except Exception:
        with contextlib.suppress(Exception):  # the failure matters, not a view gone stale
            screenshot_views(views, shots, suffix="_after_failure")
        raise
    finally:
        page.close()
