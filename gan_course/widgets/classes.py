"""Chapter 02's views of a conditional generator: the class picker and the class interpolation.

For a conditional generator G(z, labels) (`num_classes` > 0); class_interpolation also needs G to
expose its class embedding table `G.embed` and `G.generate(z, c)`, as models/conditional.py does.
"""
from __future__ import annotations

import numpy as np

from .core import ImageView, grid_picture
from .generator import check_z_dim, class_dropdown, generate, latents


def _noise_seed(seed: int, label: int, hold_noise: bool) -> int:
    """Held noise: the same z for every class. Not held: each (seed, class) gets its own z."""
    return int(seed) if hold_noise else 1_000_003 * (int(label) + 1) + int(seed)


def class_picker(G, class_names=None, *, n_samples: int = 16, nrow: int = 8, seed: int = 0, hold_noise: bool = True,
                 scale: int = 3, title: str = "Class picker: choose a class, hold or re-sample the noise"):
    """Pick a class and see `n_samples` images G draws for it.

    Controls: `label` (the class), `noise_seed` (which z; the "new noise" button adds 1) and
    `hold_noise`: when ticked, every class is drawn from the SAME z, so switching class shows what
    the label alone changes; when not, each class gets its own fresh noise. The picture is a pure
    function of the three values (a grid of `nrow` images per row).
    """
    import ipywidgets as W

    check_z_dim(G)
    picker = class_dropdown(G, class_names)
    if picker is None:
        raise ValueError(f"{type(G).__name__} is not conditional (it has no num_classes > 0); "
                         f"the class picker needs a G(z, labels) such as models.conditional.ConditionalGenerator")
    if not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError(f"n_samples must be an int >= 1, got {n_samples!r}")
    controls = {"label": picker,
                "noise_seed": W.BoundedIntText(value=seed, min=0, max=10**6, description="noise seed"),
                "hold_noise": W.Checkbox(value=hold_noise, description="hold the noise across classes")}
    resample = W.Button(description="new noise", icon="refresh")
    resample.on_click(lambda _: setattr(controls["noise_seed"], "value", controls["noise_seed"].value + 1))

    def render(label, noise_seed, hold_noise):
        z = latents(n_samples, G.z_dim, _noise_seed(noise_seed, label, hold_noise))
        return grid_picture(generate(G, z, label), nrow=min(nrow, n_samples), scale=scale)

    view = ImageView(render, controls, title, extras=(resample,))
    view.resample = resample
    return view


def class_blend(G, class_a: int, class_b: int, t: float, z):
    """G(z, c) with c = (1 - t) embed(a) + t embed(b): the noise z held, the class embedding blended."""
    import torch

    from .. import latent

    for name, k in (("class_a", class_a), ("class_b", class_b)):
        if not 0 <= int(k) < G.num_classes:
            raise ValueError(f"{name} must be a class index in [0, {G.num_classes - 1}], got {k}")
    device = next(G.parameters()).device
    e = G.embed.weight.detach()                                   # [num_classes, embed_dim]
    c = latent.lerp(e[int(class_a)], e[int(class_b)], float(t))   # [embed_dim]: a straight line in embedding space
    was_training = G.training
    G.eval()
    with torch.no_grad():
        out = G.generate(z.to(device), c.expand(len(z), -1)).cpu()
    G.train(was_training)
    return out


def class_interpolation(G, class_names=None, *, class_a: int = 0, class_b: int = 1, n_samples: int = 8,
                        seed: int = 0, scale: int = 3,
                        title: str = "Between two classes: blend the class embeddings, hold the noise"):
    """A slider t from class a (t = 0) to class b (t = 1) over the class embedding, z held fixed.

    The picture: row 1, the `n_samples` images at the slider's t; row 2, one sample's whole path
    from a to b in 9 steps, for reference. A pure function of (class_a, class_b, t, noise_seed).
    """
    import ipywidgets as W
    import torch

    check_z_dim(G)
    if class_dropdown(G, class_names) is None or not hasattr(G, "embed") or not hasattr(G, "generate"):
        raise ValueError(f"{type(G).__name__} needs num_classes > 0, a class embedding G.embed and G.generate(z, c) "
                         f"for class interpolation (as models.conditional.ConditionalGenerator has)")
    names = list(class_names) if class_names is not None else [str(i) for i in range(G.num_classes)]
    options = [(name, i) for i, name in enumerate(names)]
    controls = {"class_a": W.Dropdown(options=options, value=class_a, description="class a"),
                "class_b": W.Dropdown(options=options, value=class_b, description="class b"),
                "t": W.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="t",
                                   continuous_update=False),
                "noise_seed": W.BoundedIntText(value=seed, min=0, max=10**6, description="noise seed")}

    def render(class_a, class_b, t, noise_seed):
        z = latents(n_samples, G.z_dim, noise_seed)
        now = class_blend(G, class_a, class_b, t, z)                               # [n, C, H, W] at t
        path = torch.cat([class_blend(G, class_a, class_b, s, z[:1]) for s in torch.linspace(0, 1, 9).tolist()])
        top = grid_picture(now, nrow=n_samples, scale=scale)
        bottom = grid_picture(path, nrow=9, scale=scale)
        width = max(top.shape[1], bottom.shape[1])
        pad = lambda a: np.pad(a, [(0, 0), (0, width - a.shape[1])] + [(0, 0)] * (a.ndim - 2), constant_values=255)
        gap = np.full((2 * scale, width) + top.shape[2:], 255, dtype=np.uint8)
        return np.concatenate([pad(top), gap, pad(bottom)])

    return ImageView(render, controls, title)
