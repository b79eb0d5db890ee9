"""A notebook open in JupyterLab in a real browser, as the browser tests see it.

`NotebookPage` opens a notebook, runs all its cells through JupyterLab's own "run all" command, and
finds the widget views in its outputs. A view is the top-level widget of one output; `Control`s are
the inputs inside it, each changed the way a person would: arrow keys on a slider's handle, picking
another option of a list, a click on a checkbox or button, arrow up + Enter in a number box.
"""
from __future__ import annotations

import base64
import time
from dataclasses import dataclass

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select

# The notebook's state from JupyterLab's model: kernel status, code cells not yet run, error outputs.
NOTEBOOK_STATE = """
const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
if (!nb || !nb.sessionContext || !nb.content || !nb.content.model) return null;
const kernel = nb.sessionContext.session && nb.sessionContext.session.kernel;
let pending = 0;
const errors = [];
for (const cell of nb.content.widgets) {
  if (cell.model.type !== 'code') continue;
  if (cell.model.executionCount === null && cell.model.sharedModel.getSource().trim()) pending++;
  for (const out of cell.model.outputs.toJSON()) {
    if (out.output_type === 'error') errors.push(out.ename + ': ' + out.evalue);
  }
}
return {kernel: kernel ? kernel.status : null, pending: pending, errors: errors};
"""

# Every control a view can hold, as (kind, CSS selector of the element to drive) inside the view.
CONTROL_SELECTORS = [
    ("slider", ".widget-slider"),
    ("dropdown", ".widget-dropdown select"),
    ("multiselect", ".widget-select-multiple select"),
    ("select", ".widget-select:not(.widget-select-multiple) select"),
    ("checkbox", ".widget-checkbox input[type=checkbox]"),
    ("number", ".widget-text input[type=number]"),
    ("text", ".widget-text input[type=text]"),
    ("togglebuttons", ".widget-toggle-buttons"),  # before "toggle": its buttons are .widget-toggle-button too
    ("toggle", ".widget-toggle-button"),
    ("radio", ".widget-radio-box"),
    ("button", "button.widget-button"),
    ("play", ".widget-play"),
]
# What a person can act on; each one must belong to a control above, else the suite cannot check it.
INTERACTIVE = "input, select, textarea, button, [contenteditable=true], [role=slider]"

FIND_CONTROLS = """
const [root, selectors, interactive] = arguments;
const controls = [], covered = new Set();
for (const [kind, selector] of selectors) {
  for (const el of root.querySelectorAll(selector)) {
    if (controls.some(c => c.element === el || c.element.contains(el))) continue;
    const box = el.closest('.widget-inline-hbox, .widget-button, .widget-toggle-button') || el;
    const label = box.querySelector('.widget-label');
    controls.push({kind: kind, element: el, choices: el.options ? el.options.length : null,
                   label: (label && label.textContent) || el.textContent || el.getAttribute('title') || kind});
    for (const part of [el, ...box.querySelectorAll(interactive)]) covered.add(part);
  }
}
const unknown = [...root.querySelectorAll(interactive)].filter(el => !covered.has(el) && el.offsetParent !== null)
  .map(el => el.outerHTML.slice(0, 120));
return {controls: controls, unknown: unknown};
"""

# The bytes behind an <img>'s (blob) URL, base64; null while the URL is being replaced.
IMAGE_BYTES = """
const [img, done] = arguments;
fetch(img.src).then(r => r.arrayBuffer()).then(buffer => {
  let s = '';
  for (const b of new Uint8Array(buffer)) s += String.fromCharCode(b);
  done(btoa(s));
}).catch(() => done(null));
"""


# How a view is laid out: its images (natural and shown size, CSS), its controls' boxes.
MEASURE = """
const root = arguments[0], left = root.getBoundingClientRect().left;
const size = r => ({width: r.width, height: r.height, right: r.right - left});
const label = el => (el.parentElement.querySelector('.widget-label') || {}).textContent || '';
return {
  images: [...root.querySelectorAll('img')].map(img => Object.assign(size(img.getBoundingClientRect()), {
    natural_width: img.naturalWidth, natural_height: img.naturalHeight,
    rendering: getComputedStyle(img).imageRendering})),
  slider_tracks: [...root.querySelectorAll('.widget-slider .slider-container')].map(el =>
    Object.assign(size(el.getBoundingClientRect()), {label: label(el)})),
  lists: [...root.querySelectorAll('select')].map(el => Object.assign(size(el.getBoundingClientRect()), {
    label: label(el),
    scroll_width: el.scrollWidth, client_width: el.clientWidth})),
  widest: Math.max(0, ...[...root.querySelectorAll('.widget-inline-hbox, .widget-button, img')]
    .map(el => el.getBoundingClientRect().right - left)),
  height: root.getBoundingClientRect().height,
  visible_height: root.closest('.jp-WindowedPanel-outer, .jp-Notebook').clientHeight,  // the notebook's scrolled area
};
"""


class PageError(AssertionError):
    pass


@dataclass
class Control:
    kind: str
    label: str
    element: WebElement
    choices: int | None  # how many options a list has

    @property
    def name(self) -> str:
        return f"{self.kind} {self.label.strip()!r}"


class NotebookPage:
    def __init__(self, driver, lab, timeout: float = 600.0):  # a hang guard: a busy 2-core CI can take minutes
        self.driver, self.lab, self.timeout = driver, lab, timeout

    # --- the notebook ------------------------------------------------------------------------------
    def state(self):
        return self.driver.execute_script(NOTEBOOK_STATE)

    def wait_for(self, predicate, what: str, timeout: float | None = None, interval: float = 0.25):
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise PageError(f"timed out after {timeout or self.timeout:.0f} s waiting for {what}")

    def open(self, name: str) -> None:
        """Open notebook `name` (a fresh page: nothing left from the previous one) once its kernel is idle."""
        self.driver.get(f"{self.lab.url}/lab/tree/{name}?reset")
        self.wait_for(lambda: (self.state() or {}).get("kernel") == "idle", f"{name}'s kernel to start")
        self.console_errors()  # start from an empty console log

    def run_all(self) -> dict:
        """JupyterLab's Run > Run All Cells; returns once every code cell ran or one failed."""
        self.driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")

        def finished():
            s = self.state()
            return s if s["errors"] or (s["pending"] == 0 and s["kernel"] == "idle") else None

        return self.wait_for(finished, "every cell to run", interval=1.0)

    def close(self) -> None:
        """Save (so leaving the page asks nothing) and stop the notebook's kernel."""
        self.driver.execute_script("return window.jupyterapp.commands.execute('docmanager:save')")
        self.lab.shutdown_kernels()

    def console_errors(self) -> list[str]:
        """JavaScript console errors since the last call."""
        return [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    def error_displays(self) -> list[str]:
        return self.driver.execute_script(
            "return [...document.querySelectorAll('.jp-OutputArea-output')].map(e => e.innerText)"
            ".filter(t => t.includes('Error displaying widget'))")

    # --- the widget views ----------------------------------------------------------------------------
    def views(self) -> list[WebElement]:
        """The top-level widget of every output that shows one, in notebook order."""
        return self.driver.find_elements("css selector", ".jp-OutputArea-output > .jupyter-widgets")

    def controls(self, view: WebElement) -> tuple[list[Control], list[str]]:
        """The view's controls, and the HTML of anything interactive the suite does not know."""
        found = self.driver.execute_script(FIND_CONTROLS, view, CONTROL_SELECTORS, INTERACTIVE)
        return [Control(c["kind"], c["label"], c["element"], c["choices"]) for c in found["controls"]], found["unknown"]

    def measure(self, view: WebElement) -> dict:
        return self.driver.execute_script(MEASURE, view)

    def image_bytes(self, images: list[WebElement]) -> tuple[bytes, ...] | None:
        """The bytes of every picture in `images`; None while one of them is being replaced."""
        data = [self.driver.execute_async_script(IMAGE_BYTES, img) for img in images]
        return None if None in data else tuple(base64.b64decode(d) for d in data)

    def settled_images(self, images: list[WebElement]) -> tuple[bytes, ...]:
        """The pictures once the kernel is idle and two reads agree: no update still on its way."""
        def settled():
            if (self.state() or {}).get("kernel") != "idle":
                return None
            first = self.image_bytes(images)
            time.sleep(0.3)
            return first if first and first == self.image_bytes(images) else None

        return self.wait_for(settled, "the pictures to settle", timeout=60)

    def wait_for_new_images(self, images: list[WebElement], before: tuple[bytes, ...], timeout: float = 30) -> bool:
        try:
            self.wait_for(lambda: (now := self.image_bytes(images)) is not None and now != before, "a new picture",
                          timeout)
            return True
        except PageError:
            return False

    # --- changing a control the way a person does --------------------------------------------------
    def change(self, control: Control) -> None:
        el, d = control.element, self.driver
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        if control.kind == "slider":
            handle = el.find_element("css selector", "[role=slider]")
            at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
            d.execute_script("arguments[0].focus()", handle)
            ActionChains(d).send_keys(Keys.ARROW_LEFT if at_max else Keys.ARROW_RIGHT).perform()
        elif control.kind in ("dropdown", "select"):
            select = Select(el)
            current = [o.get_attribute("value") for o in select.all_selected_options]
            options = [o.get_attribute("value") for o in select.options]
            select.select_by_value(next(v for v in options if v not in current))
        elif control.kind == "multiselect":  # a plain click selects that option alone
            next(o for o in Select(el).options if not o.is_selected()).click()
        elif control.kind in ("checkbox", "toggle", "button"):
            el.click()
        elif control.kind == "number":
            d.execute_script("arguments[0].focus()", el)
            ActionChains(d).send_keys(Keys.ARROW_UP, Keys.ENTER).perform()
        elif control.kind == "text":
            el.send_keys("x", Keys.ENTER)
        elif control.kind == "togglebuttons":
            el.find_element("css selector", "button:not(.mod-active)").click()
        elif control.kind == "radio":
            el.find_element("css selector", "input:not(:checked)").click()
        elif control.kind == "play":  # starts playing: it moves the control it is linked to
            el.find_element("xpath", ".//button[i[contains(@class, 'fa-play')]]").click()
        else:
            raise ValueError(f"no way to change a {control.kind}")

    def stop_playing(self, control: Control) -> None:
        control.element.find_element("xpath", ".//button[i[contains(@class, 'fa-stop')]]").click()

