"""Chapter 04's latent-space explorer: sliders over latent directions, interpolation, vector arithmetic.

Generic over any generator with `z_dim` (and `num_classes` > 0 for a conditional one, which then gets
a class picker): later chapters reuse these views on their own trained generators.
"""
from __future__ import annotations

from .. import viz
from .. import checks
from .core import ImageView, float_slider, grid_picture, seed_slider
from .generator import check_z_dim, class_dropdown, generate, latents


def latent_sliders(G, directions=None, *, n_directions: int = 4, n_samples: int = 6, seed: int = 0,
                   span: float = 3.0, n_fit: int = 512, class_names=None, scale: int = 4,
                   title: str = "Latent directions: move z along each slider's direction"):
    """Sliders over latent directions with a live row of `n_samples` images.

    z = z_seed + sum_i alpha_i u_i, one slider per alpha_i in [-span, span]. `directions` [k, z_dim]
    are the u_i (rows are normalised to length 1); by default the `n_directions` principal
    directions of G's images, found GANSpace-style on `n_fit` samples (`latent.principal_directions`).
    A z coordinate has standard deviation 1, so alpha = 3 is a large but not absurd move.
    The view's `directions` and `explained` (variance ratio per direction, or None) are kept.
    """
    import torch

    from .. import latent

    check_z_dim(G)
    checks.integer("n_samples", n_samples, why="images in the row")
    checks.integer("scale", scale, why="each pixel is shown as a scale x scale square")
    if checks.number("span", span, minimum=0) == 0:
        raise ValueError(f"span must be > 0 (the sliders run over [-span, span]), got {span!r}")
    picker = class_dropdown(G, class_names)
    explained = None
    if directions is None:
        z_fit = latents(n_fit, G.z_dim, seed + 10_000)  # other noise than the samples on show
        directions, explained = latent.principal_directions(lambda z: generate(G, z), z_fit, n_directions)
    directions = torch.as_tensor(directions, dtype=torch.float32).cpu()
    if directions.dim() != 2 or directions.shape[1] != G.z_dim or len(directions) == 0:
        raise ValueError(f"directions must be [k >= 1, z_dim={G.z_dim}]; got {list(directions.shape)}")
    directions = directions / directions.norm(dim=1, keepdim=True)

    controls = {"seed": seed_slider("seed", seed, description="samples")}
    for i in range(len(directions)):
        controls[f"d{i}"] = float_slider(f"d{i}", 0.0, -span, span, span / 12, description=f"direction {i + 1}")
    if picker is not None:
        controls["label"] = picker

    def render(seed, label=None, **alphas):
        alpha = torch.tensor([alphas[f"d{i}"] for i in range(len(directions))])  # [k]
        z = latents(n_samples, G.z_dim, seed) + alpha @ directions              # [n, z_dim]
        return grid_picture(generate(G, z, label), nrow=n_samples, scale=scale)

    # static: the first two directions, 5 steps each over [-span, span] (25 pictures)
    static = {"d0": 5, "d1": 5} if len(directions) > 1 else {"d0": 9}
    view = ImageView(render, controls, title, static=static)
    view.directions, view.explained = directions, explained
    return view


def interpolation(G, *, seed_a: int = 0, seed_b: int = 1, steps: int = 8, class_names=None,
                  title: str = "Interpolation: linear (top) and spherical (bottom)"):
    """Two latents a, b (from two seeds) and the paths between them, lerp and slerp side by side.

    Rows: the lerp path and the slerp path in `steps` images, each with the image at the slider's t
    enlarged; below, |z_t| along both paths against sqrt(z_dim), the radius near which N(0, I)
    samples lie. The view renders a matplotlib figure.
    """
    import matplotlib.pyplot as plt
    import torch

    from .. import latent

    check_z_dim(G)
    checks.integer("steps", steps, minimum=2, why="a path needs its two endpoints at least")
    picker = class_dropdown(G, class_names)
    controls = {"seed_a": seed_slider("seed_a", seed_a, description="seed a"),
                "seed_b": seed_slider("seed_b", seed_b, description="seed b"),
                "t": float_slider("t", 0.5, 0.0, 1.0, 0.05)}
    if picker is not None:
        controls["label"] = picker

    def render(seed_a, seed_b, t, label=None):
        a, b = latents(1, G.z_dim, seed_a)[0], latents(1, G.z_dim, seed_b)[0]
        fig = plt.figure(figsize=(1.1 * steps + 2.4, 5.4))
        grid = fig.add_gridspec(3, 2, width_ratios=[steps, 1.6], height_ratios=[1, 1, 1.1])
        fine = torch.linspace(0, 1, 101)
        norm_ax = fig.add_subplot(grid[2, :])
        for row, mode in enumerate(("lerp", "slerp")):
            fn = latent.lerp if mode == "lerp" else latent.slerp
            z_t = fn(a, b, t)
            images = generate(G, torch.cat([latent.path(a, b, steps, mode), z_t[None]]), label)
            strip, big = fig.add_subplot(grid[row, 0]), fig.add_subplot(grid[row, 1])
            viz.show_images(images[:-1], nrow=steps, ax=strip,
                            title=f"{'linear' if mode == 'lerp' else 'spherical'} ({mode}), t = 0 ... 1")
            viz.show_images(images[-1:], nrow=1, ax=big, title=f"t = {t:.2f}, |z| = {z_t.norm():.1f}")
            norms = fn(a.expand(101, -1), b.expand(101, -1), fine[:, None]).norm(dim=1)
            norm_ax.plot(fine, norms, label=mode)
        norm_ax.axhline(G.z_dim ** 0.5, ls="--", color="grey", label=r"$\sqrt{z_{dim}}$")
        norm_ax.axvline(t, color="black", lw=0.8)
        norm_ax.set(xlabel="t", ylabel="|z_t|")
        norm_ax.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        return fig

    return ImageView(render, controls, title, static={"t": 5})  # t = 0, 0.25, ..., 1


def vector_arithmetic(G, a=(0, 1, 2), b=(3, 4, 5), c=(6, 7, 8), *, n_candidates: int = 24, seed: int = 0,
                      noise: float = 0.25, n_results: int = 6, class_names=None,
                      title: str = "Vector arithmetic: mean(A) - mean(B) + mean(C)"):
    """DCGAN's latent arithmetic (Radford et al., section 6.3) on picked samples.

    `n_candidates` numbered samples (from `seed`); pick a few for each of A, B, C. The view shows
    G of each group's mean latent, G(mean(A) - mean(B) + mean(C)), and `n_results` variations with
    uniform noise in [-noise, noise] added to that latent (the paper's +-0.25).
    """
    import ipywidgets as W
    import matplotlib.pyplot as plt
    import torch

    from .. import latent

    check_z_dim(G)
    checks.integer("n_candidates", n_candidates, why="numbered samples to pick A, B and C from")
    checks.integer("n_results", n_results, why="variations of the result to show")
    for name, picks in (("a", a), ("b", b), ("c", c)):
        if not all(isinstance(i, int) and 0 <= i < n_candidates for i in picks):
            raise ValueError(f"{name}={tuple(picks)}: picks must be sample numbers in 0..{n_candidates - 1}")
    picker = class_dropdown(G, class_names)
    options = [(str(i), i) for i in range(n_candidates)]
    # the layout's width includes the description: a narrow label leaves the list room for "47" and its scrollbar
    controls = {name: W.SelectMultiple(options=options, value=tuple(picks), rows=6, description=name.upper(),
                                       style={"description_width": "20px"}, layout=W.Layout(width="100px"))
                for name, picks in (("a", a), ("b", b), ("c", c))}
    controls["noise"] = float_slider("noise", noise, 0.0, 1.0, 0.05)
    if picker is not None:
        controls["label"] = picker
    candidates = latents(n_candidates, G.z_dim, seed)
    jitter = torch.rand(n_results, G.z_dim, generator=torch.Generator().manual_seed(seed + 1)) * 2 - 1  # U(-1, 1)

    def render(a, b, c, noise, label=None):
        images = generate(G, candidates, label)
        nrow = min(n_candidates, 12)
        width = max(8.0, 0.75 * nrow)
        top_height = width * -(-n_candidates // nrow) / nrow + 0.4  # rows of square images + a title
        fig = plt.figure(figsize=(width, top_height + 1.8))
        grid = fig.add_gridspec(2, 1, height_ratios=[top_height, 1.8])
        top = fig.add_subplot(grid[0])
        viz.show_images(images, nrow=nrow, ax=top, title="candidates (pick their numbers for A, B, C)")
        h, w = images.shape[-2:]
        for i in range(n_candidates):  # the number of each candidate in its top-left corner
            r, col = divmod(i, nrow)
            top.text(1 + col * (w + 1) + 0.5, 1 + r * (h + 1) + 0.5, str(i), color="yellow", fontsize=7,
                     va="top", ha="left", bbox=dict(facecolor="black", alpha=0.6, pad=0.5, linewidth=0))
        bottom = grid[1].subgridspec(1, 4 + n_results)
        if not (a and b and c):
            ax = fig.add_subplot(bottom[:])
            ax.text(0.5, 0.5, "pick at least one sample for each of A, B and C", ha="center", va="center")
            ax.set_axis_off()
            return fig
        means = [candidates[list(picks)].mean(0) for picks in (a, b, c)]
        result = latent.arithmetic(candidates[list(a)], candidates[list(b)], candidates[list(c)])
        shown = generate(G, torch.cat([torch.stack([*means, result]), result + noise * jitter]), label)
        titles = [f"A {list(a)}", f"- B {list(b)}", f"+ C {list(c)}", "= result"] + [f"+ noise {k + 1}" for k in range(n_results)]
        for k, title_k in enumerate(titles):
            viz.show_images(shown[k:k + 1], nrow=1, ax=fig.add_subplot(bottom[k]))
            fig.axes[-1].set_title(title_k, fontsize=7)
        fig.tight_layout()
        return fig

    view = ImageView(render, controls, title, static={"noise": 5})  # the picks as set when the page was built
    view.candidates = candidates
    return view
