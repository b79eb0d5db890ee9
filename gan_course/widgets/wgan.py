"""Chapter 03's views: disjoint supports (JS vs W1) and the comparison runs over their critics."""
from __future__ import annotations

from .. import viz
from .core import ImageView, float_slider


def disjoint_supports(theta: float = 2.0):
    """A slider over the shift theta of P_theta = U[theta, theta + 1] against real P_0 = U[0, 1].

    Shows both densities, the optimal discriminator D* and an optimal critic f*, with JS and W1 in
    the title: JS stops changing once the supports are disjoint (|theta| >= 1), W1 = |theta| does not.
    """
    import matplotlib.pyplot as plt

    slider = float_slider("theta", theta, -3.0, 3.0, 0.1, description="θ")

    def render(theta: float):
        fig, ax = plt.subplots(figsize=(7, 3))
        viz.plot_shifted_uniforms(theta, ax=ax)
        fig.tight_layout()
        return fig

    return ImageView(render, {"theta": slider}, title="Move the generated distribution: JS vs W1",
                     static={"theta": 13})  # theta = -3, -2.5, ..., 3: overlapping and disjoint supports


def toy_results_explorer(results, n_points: int = 1000):
    """Pick a mixture, a recipe and a seed from `toy_benchmark.compare_on_mixtures` results: its final
    samples over its critic's (or discriminator's) values, with the mode-coverage score in the title."""
    import ipywidgets as W
    import matplotlib.pyplot as plt

    from .. import data, training

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

    return ImageView(render, controls, title="Comparison runs: samples over the critic",
                     static={"method": 8, "dataset": 4})  # every recipe on every mixture, the first seed
