"""The one mechanism every widget goes through: `ImageView`, controls plus a picture drawn from them.

Every widget is a set of controls plus a *plain function of their values* that returns a picture
(`render`). Executing a notebook without a browser (nbval, papermill) therefore still computes the
default view, and tests set a control's `.value` in Python and compare the PNG bytes of the image
before and after: the same values always give the same bytes.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import viz


class ImageView:
    """Controls (name -> ipywidget) and `render(**values) -> uint8 array or Figure`, kept in sync."""

    def __init__(self, render: Callable[..., Any], controls: dict[str, Any], title: str | None = None,
                 extras: tuple = ()):
        import ipywidgets as W

        self.render_fn, self.controls, self.extras = render, controls, tuple(extras)  # extras: shown, not rendered
        self.image = W.Image(format="png")
        self.title = W.HTML(f"<b>{title}</b>") if title else None
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
        self.image.value = viz.png_bytes(self.render())

    @property
    def widget(self):
        import ipywidgets as W

        top = [self.title] if self.title else []
        return W.VBox([*top, W.HBox([*self.extras, *self.controls.values()]), self.image])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


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

    return ImageView(render, {"index": slider}, title, extras=(play,))  # play moves the slider in the browser


def grid_picture(images, nrow: int | None = None, scale: int = 3) -> np.ndarray:
    """Images in [-1, 1] as an enlarged uint8 grid for an `ImageView`."""
    return viz.upscale(viz.image_grid(images, nrow), scale)
