"""Chapter 06's view of a class-conditional generator: class picker + truncation slider + resample.

For any conditional generator G(z, labels) (`num_classes` > 0, `z_dim`), e.g. BigGAN's; the noise is
`models.biggan.truncated_noise`, a normal truncated to [-t, t] by redrawing, not z scaled by t.
"""
from __future__ import annotations

import copy

from .. import checks
from .core import ImageView, float_slider, grid_picture
from .generator import conditional_inputs, generate

THRESHOLDS = (0.05, 2.0, 0.05)  # the slider's (min, max, step): the BigGAN paper's range, roughly
SEED_MAX = 2**31 - 1            # the noise seed's box holds 0..SEED_MAX: any seed a notebook may use


def truncation_explorer(G, class_names=None, *, threshold: float = 1.0, n_samples: int = 16, nrow: int = 8,
                        seed: int = 0, scale: int = 3, standing: tuple[int, int] | None = None,
                        title: str = "Truncation: pick a class, move the threshold, draw new noise"):
    """`n_samples` images of one class from truncated noise z ~ N(0, I) restricted to [-t, t].

    Controls: `label` (the class), `threshold` t (slider), `noise_seed` (which draw; the "new noise"
    button adds 1). The picture is a pure function of the three values. Moving t down shows the
    truncation trade-off on the learner's own model: the samples become more alike and (for a
    well-trained G) more typical of the class.

    `standing=(n_batches, batch_size)` samples at each t from a copy of G with BigGAN's standing
    statistics at that t (`models.biggan.standing_stats(copy, threshold=t, seed=seed)`, computed the
    first time t is shown and kept), as the chapter's truncation curve does; None shows G as it is.
    """
    import ipywidgets as W

    from ..models.biggan import standing_stats, truncated_noise

    checks.integer("n_samples", n_samples, why="images per picture")
    picker = conditional_inputs(G, class_names, n_samples, "truncation explorer", "models.biggan.Generator")
    low, high, step = THRESHOLDS
    checks.integer("nrow", nrow, why="images per row")
    checks.integer("scale", scale, maximum=16, why="the picture's enlargement")
    checks.integer("seed (the noise seed)", seed, minimum=0, maximum=SEED_MAX)
    if standing is not None and (not isinstance(standing, tuple) or len(standing) != 2):
        raise ValueError(f"standing must be None or (n_batches, batch_size) for biggan.standing_stats, got {standing!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not low <= threshold <= high:
        raise ValueError(f"threshold must be a number in [{low}, {high}] (the slider's range), got {threshold!r}")
    slider = float_slider("threshold (the truncation t)", threshold, low, high, step,
                          description="truncation t")  # out of range: an error, never silently clamped
    at_threshold = {}  # t -> a copy of G with standing statistics at t

    def generator_at(threshold):
        if standing is None:
            return G
        if threshold not in at_threshold:
            at_threshold[threshold] = standing_stats(copy.deepcopy(G), n_batches=standing[0], batch_size=standing[1],
                                                     threshold=threshold, seed=seed)
        return at_threshold[threshold]
    controls = {"label": picker,
                "threshold": slider,
                "noise_seed": W.BoundedIntText(value=seed, min=0, max=SEED_MAX, description="noise seed")}
    resample = W.Button(description="new noise", icon="refresh")
    resample.on_click(lambda _: setattr(controls["noise_seed"], "value", (controls["noise_seed"].value + 1) % (SEED_MAX + 1)))

    def render(label, threshold, noise_seed):
        z = truncated_noise(n_samples, G.z_dim, threshold, seed=noise_seed)
        return grid_picture(generate(generator_at(threshold), z, label), nrow=min(nrow, n_samples), scale=scale)

    view = ImageView(render, controls, title, extras=(resample,), static={"threshold": 9})
    view.resample = resample
    return view
