"""Chapter 09's view: compare super-resolution methods on held-out images with a wipe slider."""
from __future__ import annotations

from .core import ImageView

ORIGINAL, BICUBIC = "original", "bicubic"


def sr_outputs(test, models: dict) -> dict[str, list]:
    """{"bicubic": ..., <each model's name>: ..., "original": ...}: one image [C, H, W] per test image."""
    from .. import data
    from ..models.srgan import super_resolve

    outputs = {BICUBIC: [data.bicubic_upscale(lr, test.scale) for lr in test.lr]}
    for name, G in models.items():
        if name in (ORIGINAL, BICUBIC):
            raise ValueError(f"{name!r} is the name of a built-in method; call your model something else")
        outputs[name] = super_resolve(G, test.lr)
    outputs[ORIGINAL] = list(test.hr)
    return outputs


def sr_compare(test, models: dict, *, image: int = 0, left: str = BICUBIC, right: str | None = None,
               crop: int = 48, x: float = 0.5, y: float = 0.5, wipe: float = 0.5):
    """Pick a held-out image and a window in it; the zoomed window shows method `left` left of the wipe
    line and method `right` right of it (bicubic, each of `models`, the original). PSNR (Y, border
    shaved) of each method on the whole image is in the labels.

    test: `data.load_sr(split="test")` (whole images); models: {"SRResNet": G, "SRGAN": G2, ...}.
    """
    import ipywidgets as W
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from .. import metrics

    outputs = sr_outputs(test, models)
    methods = list(outputs)
    right = right or (list(models)[-1] if models else ORIGINAL)
    for name, value in (("left", left), ("right", right)):
        if value not in methods:
            raise ValueError(f"unknown method {value!r} for {name}; valid: {', '.join(methods)}")
    if not 0 <= image < len(test):
        raise ValueError(f"image must be in 0..{len(test) - 1}, got {image}")
    psnr = {m: [metrics.psnr(out, hr, y_channel=True, shave=test.scale) for out, hr in zip(outputs[m], test.hr)]
            for m in methods if m != ORIGINAL}
    smallest = min(min(t.shape[-2:]) for t in test.hr)
    slider = dict(continuous_update=False, readout_format=".2f")
    controls = {
        "image": W.Dropdown(options=[(name, i) for i, name in enumerate(test.sources)], value=image, description="image"),
        "left": W.Dropdown(options=methods, value=left, description="left"),
        "right": W.Dropdown(options=methods, value=right, description="right"),
        "wipe": W.FloatSlider(value=wipe, min=0.0, max=1.0, step=0.02, description="wipe", **slider),
        "crop": W.IntSlider(value=min(crop, smallest), min=16, max=min(160, smallest), step=8, description="window",
                            continuous_update=False),
        # the window's place as a fraction of the room left; one step (an arrow key) moves it >= 1 px on 96 px images
        "x": W.FloatSlider(value=x, min=0.0, max=1.0, step=0.05, description="x", **slider),
        "y": W.FloatSlider(value=y, min=0.0, max=1.0, step=0.05, description="y", **slider),
    }

    def label(method: str, index: int) -> str:
        return method if method == ORIGINAL else f"{method} ({psnr[method][index]:.2f} dB)"

    def render(image: int, left: str, right: str, wipe: float, crop: int, x: float, y: float):
        hr = test.hr[image]
        h, w = hr.shape[-2:]
        top, lft = round(y * (h - crop)), round(x * (w - crop))  # the window, inside the image
        window = {m: outputs[m][image][:, top:top + crop, lft:lft + crop] for m in (left, right)}
        cut = round(wipe * crop)
        shown = window[right].clone()
        shown[:, :, :cut] = window[left][:, :, :cut]  # left of the wipe line: `left`; right of it: `right`
        fig, (ax_full, ax_zoom) = plt.subplots(1, 2, figsize=(10, 4.6), gridspec_kw={"width_ratios": [w / h, 1]})
        to_picture = lambda t: ((t.clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()  # noqa: E731
        ax_full.imshow(to_picture(hr))
        ax_full.add_patch(Rectangle((lft - 0.5, top - 0.5), crop, crop, fill=False, edgecolor="red", lw=1.5))
        ax_full.set_title(f"{test.sources[image]} (held out), {w}x{h}", fontsize=10)
        ax_zoom.imshow(to_picture(shown), interpolation="nearest")
        ax_zoom.axvline(cut - 0.5, color="white", lw=1.5)
        ax_zoom.set_title(f"◀ {label(left, image)}   |   {label(right, image)} ▶", fontsize=10)
        for ax in (ax_full, ax_zoom):
            ax.set_xticks([])
            ax.set_yticks([])
        fig.tight_layout()
        return fig

    view = ImageView(render, controls, title=f"Wipe between two methods: x{test.scale} super-resolution on held-out images")
    view.outputs, view.psnr = outputs, psnr
    return view
