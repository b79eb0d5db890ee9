"""Interactive views for the notebooks, built on ipywidgets.

Every widget here is a set of controls plus a *plain function of their values* that returns a
picture (`render`). Executing a notebook without a browser (nbval, papermill) therefore still
computes the default view, and tests set a control's `.value` in Python and compare the PNG bytes
of the image before and after: the same values always give the same bytes.

Chapters add their own views (class picker, latent explorer, truncation, style mixing ...) by
building an `ImageView` from a render function and a few controls, never a new mechanism.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import viz


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


# --- Chapter 04: the latent-space explorer -------------------------------------------------------
# Generic over any generator with `z_dim` (and `num_classes` > 0 for a conditional one, which then
# gets a class picker): later chapters reuse these views on their own trained generators.

def _latents(n: int, z_dim: int, seed: int):
    """n latents z ~ N(0, I) from their own seeded generator: the same seed, the same z."""
    import torch

    return torch.randn(n, z_dim, generator=torch.Generator().manual_seed(int(seed)))


def _class_picker(G, class_names):
    """A class dropdown for a conditional generator; None for an unconditional one."""
    import ipywidgets as W

    from .training import is_conditional

    if not is_conditional(G):
        return None
    names = list(class_names) if class_names is not None else [str(i) for i in range(G.num_classes)]
    if len(names) != G.num_classes:
        raise ValueError(f"class_names has {len(names)} names but the generator has {G.num_classes} classes")
    return W.Dropdown(options=[(name, i) for i, name in enumerate(names)], value=0, description="class")


def _generate(G, z, label=None):
    """G(z) on G's device, back on the CPU; a conditional G draws every image of `label`."""
    import torch

    from .training import is_conditional, sample

    device = next(G.parameters()).device
    labels = torch.full((len(z),), int(label or 0), dtype=torch.long) if is_conditional(G) else None
    return sample(G, len(z), z=z.to(device), labels=labels).cpu()


def _check_z_dim(G):
    if not isinstance(getattr(G, "z_dim", None), int):
        raise ValueError(f"{type(G).__name__} has no integer attribute z_dim; the latent widgets need one")


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
    import ipywidgets as W
    import torch

    from . import latent

    _check_z_dim(G)
    picker = _class_picker(G, class_names)
    explained = None
    if directions is None:
        z_fit = _latents(n_fit, G.z_dim, seed + 10_000)  # other noise than the samples on show
        directions, explained = latent.principal_directions(lambda z: _generate(G, z), z_fit, n_directions)
    directions = torch.as_tensor(directions, dtype=torch.float32).cpu()
    if directions.dim() != 2 or directions.shape[1] != G.z_dim or len(directions) == 0:
        raise ValueError(f"directions must be [k >= 1, z_dim={G.z_dim}]; got {list(directions.shape)}")
    directions = directions / directions.norm(dim=1, keepdim=True)

    controls = {"seed": W.IntSlider(value=seed, min=0, max=999, description="samples", continuous_update=False)}
    for i in range(len(directions)):
        controls[f"d{i}"] = W.FloatSlider(value=0.0, min=-span, max=span, step=span / 12,
                                          description=f"direction {i + 1}", continuous_update=False)
    if picker is not None:
        controls["label"] = picker

    def render(seed, label=None, **alphas):
        alpha = torch.tensor([alphas[f"d{i}"] for i in range(len(directions))])  # [k]
        z = _latents(n_samples, G.z_dim, seed) + alpha @ directions              # [n, z_dim]
        return grid_picture(_generate(G, z, label), nrow=n_samples, scale=scale)

    view = ImageView(render, controls, title)
    view.directions, view.explained = directions, explained
    return view


def interpolation(G, *, seed_a: int = 0, seed_b: int = 1, steps: int = 8, class_names=None,
                  title: str = "Interpolation: linear (top) and spherical (bottom)"):
    """Two latents a, b (from two seeds) and the paths between them, lerp and slerp side by side.

    Rows: the lerp path and the slerp path in `steps` images, each with the image at the slider's t
    enlarged; below, |z_t| along both paths against sqrt(z_dim), the radius near which N(0, I)
    samples lie. The view renders a matplotlib figure.
    """
    import ipywidgets as W
    import matplotlib.pyplot as plt
    import torch

    from . import latent

    _check_z_dim(G)
    if not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an int >= 2, got {steps!r}")
    picker = _class_picker(G, class_names)
    controls = {"seed_a": W.IntSlider(value=seed_a, min=0, max=999, description="seed a", continuous_update=False),
                "seed_b": W.IntSlider(value=seed_b, min=0, max=999, description="seed b", continuous_update=False),
                "t": W.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="t", continuous_update=False)}
    if picker is not None:
        controls["label"] = picker

    def render(seed_a, seed_b, t, label=None):
        a, b = _latents(1, G.z_dim, seed_a)[0], _latents(1, G.z_dim, seed_b)[0]
        fig = plt.figure(figsize=(1.1 * steps + 2.4, 5.4))
        grid = fig.add_gridspec(3, 2, width_ratios=[steps, 1.6], height_ratios=[1, 1, 1.1])
        fine = torch.linspace(0, 1, 101)
        norm_ax = fig.add_subplot(grid[2, :])
        for row, mode in enumerate(("lerp", "slerp")):
            fn = latent.lerp if mode == "lerp" else latent.slerp
            z_t = fn(a, b, t)
            images = _generate(G, torch.cat([latent.path(a, b, steps, mode), z_t[None]]), label)
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

    return ImageView(render, controls, title)


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

    from . import latent

    _check_z_dim(G)
    for name, picks in (("a", a), ("b", b), ("c", c)):
        if not all(isinstance(i, int) and 0 <= i < n_candidates for i in picks):
            raise ValueError(f"{name}={tuple(picks)}: picks must be sample numbers in 0..{n_candidates - 1}")
    picker = _class_picker(G, class_names)
    options = [(str(i), i) for i in range(n_candidates)]
    controls = {name: W.SelectMultiple(options=options, value=tuple(picks), rows=6, description=name.upper(),
                                       layout=W.Layout(width="120px"))
                for name, picks in (("a", a), ("b", b), ("c", c))}
    controls["noise"] = W.FloatSlider(value=noise, min=0.0, max=1.0, step=0.05, description="noise",
                                      continuous_update=False)
    if picker is not None:
        controls["label"] = picker
    candidates = _latents(n_candidates, G.z_dim, seed)
    jitter = torch.rand(n_results, G.z_dim, generator=torch.Generator().manual_seed(seed + 1)) * 2 - 1  # U(-1, 1)

    def render(a, b, c, noise, label=None):
        images = _generate(G, candidates, label)
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
        shown = _generate(G, torch.cat([torch.stack([*means, result]), result + noise * jitter]), label)
        titles = [f"A {list(a)}", f"- B {list(b)}", f"+ C {list(c)}", "= result"] + [f"+ noise {k + 1}" for k in range(n_results)]
        for k, title_k in enumerate(titles):
            viz.show_images(shown[k:k + 1], nrow=1, ax=fig.add_subplot(bottom[k]))
            fig.axes[-1].set_title(title_k, fontsize=7)
        fig.tight_layout()
        return fig

    view = ImageView(render, controls, title)
    view.candidates = candidates
    return view


# --- Chapter 02: the class picker and the class interpolation --------------------------------------
# For a conditional generator G(z, labels) (`num_classes` > 0); class_interpolation also needs G to
# expose its class embedding table `G.embed` and `G.generate(z, c)`, as models/conditional.py does.

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

    _check_z_dim(G)
    picker = _class_picker(G, class_names)
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
        z = _latents(n_samples, G.z_dim, _noise_seed(noise_seed, label, hold_noise))
        return grid_picture(_generate(G, z, label), nrow=min(nrow, n_samples), scale=scale)

    view = ImageView(render, controls, title, extras=(resample,))
    view.resample = resample
    return view


def class_blend(G, class_a: int, class_b: int, t: float, z):
    """G(z, c) with c = (1 - t) embed(a) + t embed(b): the noise z held, the class embedding blended."""
    import torch

    from . import latent

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

    _check_z_dim(G)
    if _class_picker(G, class_names) is None or not hasattr(G, "embed") or not hasattr(G, "generate"):
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
        z = _latents(n_samples, G.z_dim, noise_seed)
        now = class_blend(G, class_a, class_b, t, z)                               # [n, C, H, W] at t
        path = torch.cat([class_blend(G, class_a, class_b, s, z[:1]) for s in torch.linspace(0, 1, 9).tolist()])
        top = grid_picture(now, nrow=n_samples, scale=scale)
        bottom = grid_picture(path, nrow=9, scale=scale)
        width = max(top.shape[1], bottom.shape[1])
        pad = lambda a: np.pad(a, [(0, 0), (0, width - a.shape[1])] + [(0, 0)] * (a.ndim - 2), constant_values=255)
        gap = np.full((2 * scale, width) + top.shape[2:], 255, dtype=np.uint8)
        return np.concatenate([pad(top), gap, pad(bottom)])

    return ImageView(render, controls, title)


# --- Chapter 03: WGAN ---------------------------------------------------------------------------------
def disjoint_supports(theta: float = 2.0):
    """A slider over the shift theta of P_theta = U[theta, theta + 1] against real P_0 = U[0, 1].

    Shows both densities, the optimal discriminator D* and an optimal critic f*, with JS and W1 in
    the title: JS stops changing once the supports are disjoint (|theta| >= 1), W1 = |theta| does not.
    """
    import ipywidgets as W
    import matplotlib.pyplot as plt

    slider = W.FloatSlider(value=theta, min=-3.0, max=3.0, step=0.1, description="θ", continuous_update=False)

    def render(theta: float):
        fig, ax = plt.subplots(figsize=(7, 3))
        viz.plot_shifted_uniforms(theta, ax=ax)
        fig.tight_layout()
        return fig

    return ImageView(render, {"theta": slider}, title="Move the generated distribution: JS vs W1")


def toy_results_explorer(results, n_points: int = 1000):
    """Pick a mixture, a recipe and a seed from `toy_benchmark.compare_on_mixtures` results: its final
    samples over its critic's (or discriminator's) values, with the mode-coverage score in the title."""
    import ipywidgets as W
    import matplotlib.pyplot as plt

    from . import data, training

    if not results:
        raise ValueError("no results to explore: run toy_benchmark.compare_on_mixtures first")
    by_key = {(r.dataset, r.method, r.seed): r for r in results}
    first = results[0]
    controls = {
        "dataset": W.Dropdown(options=list(dict.fromkeys(r.dataset for r in results)), value=first.dataset,
                              description="data"),
        "method": W.Dropdown(options=list(dict.fromkeys(r.method for r in results)), value=first.method,
                             description="recipe"),
        "seed": W.Dropdown(options=sorted({r.seed for r in results}), value=first.seed, description="seed"),
        "show_critic": W.Checkbox(value=True, description="critic contours"),
    }
    real = {name: data.load_dataset(name, n_samples=5000) for name in controls["dataset"].options}

    def render(dataset: str, method: str, seed: int, show_critic: bool):
        fig, ax = plt.subplots(figsize=(5, 4.2))
        r, ds = by_key[(dataset, method, seed)], real[dataset]
        lim = float(ds.x.abs().max() * 1.3)  # the extent plot_points uses
        if show_critic:  # a vanilla D is shown as the probability D(x); a critic as its raw score f(x)
            viz.plot_critic(r.run.D, lim, ax=ax, probability=r.run.config.loss != "wasserstein")
        fake = training.sample(r.run.generator, n_points, seed=seed + 1).cpu()
        viz.plot_points(ds.x, fake, centers=ds.centers, ax=ax, lim=lim,
                        title=f"{method} on {dataset}, seed {seed}: {r.coverage}")
        fig.tight_layout()
        return fig

    return ImageView(render, controls, title="Comparison runs: samples over the critic")
