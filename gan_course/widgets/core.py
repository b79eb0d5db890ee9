"""The one mechanism every widget goes through: `ImageView`, controls plus a picture drawn from them.

Every widget is a set of controls plus a *plain function of their values* that returns a picture
(`render`). Executing a notebook without a browser (nbval, papermill) therefore still computes the
default view, and tests set a control's `.value` in Python and compare the PNG bytes of the image
before and after: the same values always give the same bytes.

The same function makes the view work on a web page with no kernel (static mode, `static.py`): the
view renders its frames over a grid of values of its main control(s) ahead of time, and a selector
switches between them in the browser.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .. import checks, viz
from .static import (CLASS, DEFAULT_FRAMES, MAX_FRAMES, can_pre_render, check_static, frame_count, grid_values,
                     selector, static_mode)


# The picture's box: with its title and a few rows of controls above it, a view stays within about
# 900 x 600 px, so that a laptop screen shows the controls and the picture together.
MAX_WIDTH, MAX_HEIGHT = 900, 480  # px
FIGURE_DPI = 80  # matplotlib views; fewer dots per inch for a figure too large to fit the box at 80
# The browser smooths an enlarged image into a blur unless told to keep its pixels square.
PIXELATED = "gan-course-pixelated"
STYLE = f"<style>.{PIXELATED} {{image-rendering: pixelated;}}</style>"


def int_slider(name: str, value, low: int, high: int, **options):
    """An IntSlider over [low, high] starting at `value`; a value outside the range is an error.

    ipywidgets clamps an out-of-range value without a word (a seed of 5000 on a 0-999 slider shows
    seed 999), so the learner would look at another picture than the one asked for.
    """
    import ipywidgets as W

    checks.integer(name, value, minimum=low, maximum=high, why="the slider's range")
    options.setdefault("description", name)
    options.setdefault("continuous_update", False)
    return W.IntSlider(value=value, min=low, max=high, **options)


SEED_SLIDER_MAX = 999  # a seed slider's range is 0..999, or up to the seed it starts at


def seed_slider(name: str, value, **options):
    """An IntSlider over seeds: 0..999, widened to the starting seed when that is larger.

    A notebook's `seed` parameter may be any non-negative int (papermill runs use 20251205 as well as 0-9),
    so the slider must show that very seed rather than refuse it or clamp it to 999.
    """
    checks.integer(name, value, minimum=0, why="a seed")
    return int_slider(name, value, 0, max(SEED_SLIDER_MAX, value), **options)


def float_slider(name: str, value, low: float, high: float, step: float, **options):
    """A FloatSlider over [low, high] starting at `value`; a value outside the range is an error."""
    import ipywidgets as W

    checks.number(name, value, minimum=low, maximum=high)
    options.setdefault("description", name)
    options.setdefault("continuous_update", False)
    return W.FloatSlider(value=float(value), min=low, max=high, step=step, **options)


def display_size(width: int, height: int, enlarge: bool = True) -> tuple[int, int]:
    """The size (px) at which a width x height picture is shown: at most MAX_WIDTH x MAX_HEIGHT.

    A small pixel picture (`enlarge`) grows by the largest whole factor that fits, so every pixel
    becomes a sharp k x k square; a larger picture shrinks to fit, keeping its aspect ratio.
    """
    if width > MAX_WIDTH or height > MAX_HEIGHT:
        shrink = min(MAX_WIDTH / width, MAX_HEIGHT / height)
        return int(width * shrink), int(height * shrink)
    factor = min(MAX_WIDTH // width, MAX_HEIGHT // height) if enlarge else 1
    return width * factor, height * factor


def figure_dpi(fig) -> int:
    """FIGURE_DPI, or fewer dots per inch where the figure would not fit in MAX_WIDTH x MAX_HEIGHT."""
    width, height = fig.get_size_inches()
    return int(min(FIGURE_DPI, MAX_WIDTH / width, MAX_HEIGHT / height))


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


class ImageView:
    """Controls (name -> ipywidget) and `render(**values) -> uint8 array or Figure`, kept in sync.

    The picture is shown at `display_size`: a uint8 array (pixels) enlarged by a whole factor, a
    figure drawn at `figure_dpi` and shown as drawn. The controls wrap onto as many rows as they
    need. `note`, when given, is a line under the title (e.g. that the model is barely trained).

    `static` names the controls (at most two) that the view pre-renders in static mode, each with a
    count of frames or the values themselves (`static.grid_values`); by default the first control
    that can be, with DEFAULT_FRAMES frames. Outside static mode it changes nothing.
    """

    def __init__(self, render: Callable[..., Any], controls: dict[str, Any], title: str | None = None,
                 extras: tuple = (), note: str | None = None, static: dict[str, int | Sequence] | None = None):
        import ipywidgets as W

        self.render_fn, self.controls, self.extras = render, controls, tuple(extras)  # extras: shown, not rendered
        if static is None:
            first = next((name for name, control in controls.items() if can_pre_render(control)), None)
            static = {first: DEFAULT_FRAMES} if first else {}
        check_static(static, controls)
        self.static = dict(static)
        # flex-start: a box's children are stretched to its full width otherwise, blurring the picture
        self.image = W.Image(format="png", layout=W.Layout(align_self="flex-start", object_fit="contain"))
        note_html = f"<div style='line-height: 1.3; font-size: 90%'>{note}</div>" if note else ""
        heading = (f"<b>{title}</b>" if title else "") + note_html
        self.title = W.HTML(heading) if heading else None
        self.style = W.HTML(STYLE, layout=W.Layout(display="none"))  # a <style> applies while hidden
        for control in controls.values():
            control.observe(lambda change: self.update(), names="value")
        self.update()

    @property
    def values(self) -> dict[str, Any]:
        return {name: c.value for name, c in self.controls.items()}

    def render(self, **overrides: Any):
        """The picture for the current control values, with some values overridden if given."""
        return self.render_fn(**{**self.values, **overrides})

    def update(self) -> None:
        show(self.image, self.render())

    @property
    def widget(self):
        """The live view; in static mode (`static.static_mode()`) the pre-rendered one instead."""
        import ipywidgets as W

        if static_mode():
            return self.static_widget()
        top = [self.title] if self.title else []
        controls = W.HBox([*self.extras, *self.controls.values()],
                          layout=W.Layout(flex_flow="row wrap", align_items="center"))
        return W.VBox([self.style, *top, controls, self.image], layout=W.Layout(max_width=f"{MAX_WIDTH}px"))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    # --- static mode: the frames rendered ahead of time, switched in the browser ------------------------
    def static_grids(self) -> dict[str, list]:
        """{static control: the values its frames are rendered at}; a clear error past MAX_FRAMES frames."""
        grids = {name: grid_values(name, self.controls[name], frames) for name, frames in self.static.items()}
        if frame_count(grids) > MAX_FRAMES:
            sizes = " x ".join(f"{len(v)} ({name})" for name, v in grids.items())
            raise ValueError(f"{sizes} = {frame_count(grids)} frames: at most {MAX_FRAMES} per view; "
                             f"ask for fewer values in `static`")
        return grids

    def frames(self) -> Iterator[tuple[dict[str, Any], Any]]:
        """(values of the static controls, picture) for every combination of their grid values, in the
        order of `itertools.product` (the first control varies slowest); the other controls as they are.
        One at a time: a figure is drawn only when the previous one has been used (and closed)."""
        import torch

        grids = self.static_grids()
        for combo in itertools.product(*grids.values()):
            values = dict(zip(grids, combo))
            # torch's global random state as it was: a view that draws noise (StyleGAN's noise inputs) must not
            # move it, or every later training call of a site build would start elsewhere than the recorded run
            gpu = [torch.cuda.current_device()] if torch.cuda.is_initialized() else []  # a CUDA build: its state too
            with torch.random.fork_rng(devices=gpu):
                picture = self.render(**values)
            yield values, picture

    def static_widget(self):
        """The frames in a `Stack` (a Stack of Stacks for two controls) whose `selected_index` each
        selector sets through `jsdlink`, in the browser; buttons, which need a kernel, are left out, and
        a Play button steps through the first control's frames. The box returned keeps its `selectors`
        ({control: selector}) and `links` (the browser-side links), for the tests."""
        import ipywidgets as W

        grids = self.static_grids()
        selectors = {name: selector(name, self.controls[name], values) for name, values in grids.items()}
        pictures = iter(picture for _, picture in self.frames())
        names, links = list(grids), []

        def stack(level: int):  # children in itertools.product order, as `frames` renders them
            if level == len(names):
                return show(W.Image(format="png", layout=W.Layout(align_self="flex-start", object_fit="contain")),
                            next(pictures))
            name = names[level]
            box = W.Stack([stack(level + 1) for _ in grids[name]], selected_index=selectors[name].index)
            links.append(W.jsdlink((selectors[name], "index"), (box, "selected_index")))
            return box

        frames = stack(0) if names else show(W.Image(format="png"), self.render())
        shown = list(selectors.values())
        if names and any(isinstance(extra, W.Play) for extra in self.extras):
            play = W.Play(value=selectors[names[0]].index, min=0, max=len(grids[names[0]]) - 1, interval=600)
            links.append(W.jslink((play, "value"), (selectors[names[0]], "index")))
            shown.insert(0, play)
        fixed = [f"{control.description or name} = {_shown_value(control)}"
                 for name, control in self.controls.items() if name not in grids]
        note = (f"{frame_count(grids)} pictures rendered when this page was built"
                + (f"; fixed here: {', '.join(fixed)} (run the notebook to change them)" if fixed else "") + ".")
        top = [self.title] if self.title else []
        controls = W.HBox(shown, layout=W.Layout(flex_flow="row wrap", align_items="center"))
        view = W.VBox([self.style, *top, controls, W.HTML(f"<div style='font-size: 85%; color: #555'>{note}</div>"),
                       frames], layout=W.Layout(max_width=f"{MAX_WIDTH}px"))
        view.add_class(CLASS)
        view.selectors, view.links = selectors, links
        return view


def _shown_value(control) -> str:
    """A control's value as its reader sees it: a list's option label rather than the value behind it."""
    labels = getattr(control, "_options_labels", None)
    if labels is not None and getattr(control, "index", None) is not None and not isinstance(control.index, tuple):
        return str(labels[control.index])
    if isinstance(control.value, float):
        return f"{control.value:.3g}"
    return str(control.value)


def show(image, picture):
    """Put a picture (uint8 array or Figure) into an Image widget at its `display_size`; returns the widget."""
    pixels = isinstance(picture, np.ndarray)
    png = viz.png_bytes(picture) if pixels else viz.png_bytes(picture, dpi=figure_dpi(picture))
    width, height = png_size(png)
    shown_width, shown_height = display_size(width, height, enlarge=pixels)
    image.layout.width, image.layout.height = f"{shown_width}px", f"{shown_height}px"
    if shown_width > width:
        image.add_class(PIXELATED)
    else:
        image.remove_class(PIXELATED)
    image.value = png
    return image


def snapshot_player(history, render_snapshot: Callable[[int, Any], Any], title: str = "Training, step by step"):
    """A slider (and play button) over the fixed-noise snapshots that the training loop kept.

    `render_snapshot(step, samples)` draws one snapshot, e.g. with `viz.plot_points` for 2D data.
    """
    import ipywidgets as W

    shots = history.snapshots
    if not shots:
        raise ValueError("this history holds no snapshots to play")
    slider = W.IntSlider(value=len(shots) - 1, min=0, max=len(shots) - 1, description="snapshot",
                         continuous_update=False)
    play = W.Play(value=slider.value, min=0, max=len(shots) - 1, interval=600)
    W.jslink((play, "value"), (slider, "value"))

    def render(index: int):
        step, samples = shots[index]
        return render_snapshot(step, samples)

    # play moves the slider in the browser; a static page holds 12 snapshots at most, evenly spread
    return ImageView(render, {"index": slider}, title, extras=(play,), static={"index": 12})


def grid_picture(images, nrow: int | None = None, scale: int = 3) -> np.ndarray:
    """Images in [-1, 1] as an enlarged uint8 grid for an `ImageView`."""
    return viz.upscale(viz.image_grid(images, nrow), scale)


def stack_pictures(pictures, gap: int = 6) -> np.ndarray:
    """uint8 pictures (all grey or all colour) one above the other, left-aligned, `gap` white rows apart."""
    width = max(p.shape[1] for p in pictures)
    rows = []
    for k, picture in enumerate(pictures):
        pad = [(0, 0), (0, width - picture.shape[1])] + [(0, 0)] * (picture.ndim - 2)
        rows.append(np.pad(picture, pad, constant_values=255))
        if k < len(pictures) - 1:
            rows.append(np.full((gap, width) + picture.shape[2:], 255, dtype=np.uint8))
    return np.concatenate(rows)
