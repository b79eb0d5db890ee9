"""Static mode: an `ImageView` whose frames are rendered ahead of time, for a web page with no kernel.

On the course website (`make site`) no Python runs behind the page, so a live view would freeze. With
$GAN_COURSE_STATIC=1 (set by the site builder, inherited by the notebooks' kernels) a view instead renders
its picture at a grid of values of its main control(s) while the notebook executes, and shows them as a
`Stack` of `Image`s. A selector (a `SelectionSlider`, a `Dropdown` or `ToggleButtons`) over the same values
switches the Stack's `selected_index` through `jsdlink`, a link that the widget JavaScript keeps in the
browser. The frames, the selector and the link are all saved in the notebook's widget state.

This module picks each control's grid of values and builds its selector; `core.ImageView` renders the frames.
"""
from __future__ import annotations

import math
import os
from typing import Any, Sequence

STATIC_ENV = "GAN_COURSE_STATIC"
DEFAULT_FRAMES = 8  # a control's grid when a view names no size
MAX_FRAMES = 64     # frames per view at most (the product over its static controls): pages stay small
CLASS = "gan-course-static"  # on a static view's box: the site's browser test finds the views by it


def static_mode() -> bool:
    """True while the website is built ($GAN_COURSE_STATIC=1); unset or 0: views call Python live."""
    value = os.environ.get(STATIC_ENV, "").strip()
    if value not in ("", "0", "1"):
        raise ValueError(f"${STATIC_ENV} must be 1 (pre-render views for the website) or 0/unset (live views), "
                         f"got {value!r}")
    return value == "1"


def _kind(control) -> str:
    """slider, box (a number box), choice (a list of options) or bool: how a grid is chosen for it."""
    import ipywidgets as W

    if isinstance(control, (W.Checkbox, W.ToggleButton)):
        return "bool"
    if isinstance(control, W.widgets.widget_selection._Selection):  # Dropdown, ToggleButtons, Select, Radio...
        return "choice"
    if isinstance(control, (W.IntSlider, W.FloatSlider)):
        return "slider"
    if isinstance(control, (W.IntText, W.BoundedIntText)):
        return "box"
    return "other"


def can_pre_render(control) -> bool:
    return _kind(control) != "other"


def _snap(value: float, low: float, step: float, integer: bool):
    """`value` moved onto the slider's grid low + k * step (the values a person can set it to)."""
    snapped = low + round((value - low) / step) * step
    return int(snapped) if integer else round(snapped, 10)


def grid_values(name: str, control, frames: int | Sequence = DEFAULT_FRAMES) -> list:
    """The values at which a control's frames are rendered; the control's current value is always one of them.

    frames: a count, or the values themselves. With a count: a slider gets that many values evenly over its
    range (on its step); a number box (a seed, a code) consecutive values from its current one on; a list its
    options from the current one on (all of them when they are fewer); a checkbox False and True.
    """
    kind, current = _kind(control), control.value
    if kind == "other":
        raise ValueError(f"control {name!r} ({type(control).__name__}) cannot be pre-rendered: use a slider, a "
                         f"number box, a list of options or a checkbox, or leave it out of the view's static controls")
    if not isinstance(frames, int) or isinstance(frames, bool):
        values = list(frames)
        if not values:
            raise ValueError(f"static values for {name!r} must not be empty")
        if current not in values:
            values.append(current)
        return sorted(values) if kind in ("slider", "box") else values
    if frames < 2:
        raise ValueError(f"frames for {name!r} must be an int >= 2 (a view needs two pictures to switch), got {frames!r}")
    if kind == "bool":
        return [False, True]
    if kind == "choice":
        options = list(control._options_values)
        start = options.index(current) if current in options else 0
        return [options[(start + k) % len(options)] for k in range(min(frames, len(options)))]
    if kind == "box":  # the next values, wrapping round to the box's minimum at its maximum
        low, high = getattr(control, "min", current), getattr(control, "max", current + frames)
        return sorted({low + (current - low + k) % (high - low + 1) for k in range(frames)})
    low, high, step = control.min, control.max, control.step
    integer = isinstance(current, int)
    count = min(frames, int(round((high - low) / step)) + 1)
    if count < 2:  # a slider over a single value (one snapshot, say)
        return [current]
    values = {_snap(low + k * (high - low) / (count - 1), low, step, integer) for k in range(count)}
    return sorted(values | {current})


def _label(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def selector(name: str, control, values: list):
    """A widget over `values` whose `index` (synced to the browser) picks the frame: SelectionSlider for a
    slider or number box, Dropdown for a list, ToggleButtons for a checkbox. Starts at the current value."""
    import ipywidgets as W

    description = control.description or name
    style = {"description_width": "initial"}
    kind, start = _kind(control), values.index(control.value)
    if kind == "choice":
        labels = dict(zip(control._options_values, control._options_labels))
        return W.Dropdown(options=[(labels[v], v) for v in values], index=start, description=description, style=style)
    if kind == "bool":
        return W.ToggleButtons(options=[("off", False), ("on", True)], index=start, description=description,
                               style=style)
    # continuous_update: the frames are already there, so the picture can follow the handle as it is dragged
    return W.SelectionSlider(options=[(_label(v), v) for v in values], index=start, description=description,
                             continuous_update=True, style=style)


def frame_count(grids: dict[str, list]) -> int:
    return math.prod(len(values) for values in grids.values())


def check_static(static: dict[str, Any], controls: dict[str, Any]) -> None:
    """The view's static controls exist, are at most two (nested Stacks), and fit in MAX_FRAMES."""
    unknown = [name for name in static if name not in controls]
    if unknown:
        raise ValueError(f"static controls {unknown} are not controls of this view; valid: {', '.join(controls)}")
    if len(static) > 2:
        raise ValueError(f"a view pre-renders at most 2 controls (a Stack of Stacks), got {len(static)}: "
                         f"{', '.join(static)}")
