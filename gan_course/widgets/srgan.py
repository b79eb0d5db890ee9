"""Chapter 09's view: compare super-resolution methods on held-out images with a wipe slider."""
from __future__ import annotations

from .core import ImageView, float_slider, int_slider

ORIGINAL, BICUBIC = "original", "bicubic"


def check_pairs(test) -> None:
    """A clear error where the test set's LR and HR images do not match its scale (LR side x scale = HR side)."""
    if len(test.lr) != len(test.hr) or len(test.hr) == 0:
        raise ValueError(f"the test set needs as many LR as HR images, at least one: got {len(test.lr)} and {len(test.hr)}")
    for k, (lr, hr) in enumerate(zip(test.lr, test.hr)):
        if tuple(hr.shape[-2:]) != (lr.shape[-2] * test.scale, lr.shape[-1] * test.scale) or lr.shape[0] != hr.shape[0]:
            raise ValueError(f"test image {k}: LR {list(lr.shape)} x{test.scale} does not give its HR {list(hr.shape)}; "
                             f"make the LR images with data.bicubic_downscale(hr, {test.scale})")


def sr_outputs(test, models: dict) -> dict[str, list]:
    """{"bicubic": ..., <each model's name>: ..., "original": ...}: one image [C, H, W] per test image."""
    from .. import data
    from ..models.srgan import super_resolve

    check_pairs(test)
    outputs = {BICUBIC: [data.bicubic_upscale(lr, test.scale) for lr in test.lr]}
    for name, G in models.items():
        if name in (ORIGINAL, BICUBIC):
            raise ValueError(f"{name!r} is the name of a built-in method; call your model something else")
        scale = getattr(G, "scale", test.scale)
        if scale != test.scale:
            raise ValueError(f"model {name!r} upscales x{scale} but the test images are x{test.scale} pairs: load them "
                             f"with data.load_sr(..., scale={scale}) or compare a x{test.scale} model")
        outputs[name] = super_resolve(G, test.lr)
        for k, (sr, hr) in enumerate(zip(outputs[name], test.hr)):
            if sr.shape != hr.shape:
                raise ValueError(f"model {name!r} made {list(sr.shape)} from test image {k}, whose original is "
                                 f"{list(hr.shape)}: its output must have the original's size")
    outputs[ORIGINAL] = list(test.hr)
    return outputs


def sr_compare(test, models: dict, *, image: int = 0, left: str = BICUBIC, right: str | None = None,
               crop: int | None = None, x: float = 0.5, y: float = 0.5, wipe: float = 0.5):
    """Pick a held-out image and a window in it; the zoomed window shows method `left` left of the wipe
    line and method `right` right of it (bicubic, each of `models`, the original). PSNR (Y, border
    shaved) of each method on the whole image is in the labels.

    test: `data.load_sr(split="test")` (whole images); models: {"SRResNet": G, "SRGAN": G2, ...}.
    crop: the window's side, 16 to min(160, the smallest test image's side); default 48, or the smallest side
    if that is less. A value outside a control's range is an error, not silently clamped.
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
    if isinstance(image, bool) or not isinstance(image, int) or not 0 <= image < len(test):
        raise ValueError(f"image must be in 0..{len(test) - 1}, an int (one of the {len(test)} test images), got {image!r}")
    psnr = {m: [metrics.psnr(out, hr, y_channel=True, shave=test.scale) for out, hr in zip(outputs[m], test.hr)]
            for m in methods if m != ORIGINAL}
    smallest = min(min(t.shape[-2:]) for t in test.hr)
    slider = dict(continuous_update=False, readout_format=".2f")
    controls = {
        "image": W.Dropdown(options=[(name, i) for i, name in enumerate(test.sources)], value=image, description="image"),
        "left": W.Dropdown(options=methods, value=left, description="left"),
        "right": W.Dropdown(options=methods, value=right, description="right"),
        "wipe": float_slider("wipe", wipe, 0.0, 1.0, 0.02, **slider),
        # the window's side, at most the smallest test image's (an error beyond, never a silent clamp)
        "crop": int_slider("crop (window)", min(48, smallest) if crop is None else crop, 16, min(160, smallest),
                           step=8, description="window"),
        # the window's place as a fraction of the room left; one step (an arrow key) moves it >= 1 px on 96 px images
        "x": float_slider("x", x, 0.0, 1.0, 0.05, **slider),
        "y": float_slider("y", y, 0.0, 1.0, 0.05, **slider),
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

    view = ImageView(render, controls, title=f"Wipe between two methods: x{test.scale} super-resolution on held-out images",
                     static={"wipe": 6})  # the wipe line at 0, 0.2, ..., 1 (and where it starts)
    view.outputs, view.psnr = outputs, psnr
    return view
