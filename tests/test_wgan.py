"""Chapter 03 package code: JS vs W1 closed forms, the W estimate, the toy comparison, presets, widgets."""
import dataclasses
import math

import numpy as np
import pytest
import torch
from scipy.stats import wasserstein_distance

from gan_course import data, divergences, presets, toy_benchmark, training, viz, widgets
from gan_course.models.mlp import MLPConfig
from gan_course.training import TrainConfig


@pytest.fixture(autouse=True)
def one_thread():
    """These networks are tiny; on a busy 2-core machine a second thread slows them down many times over."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --- JS and W1 on the shifted uniforms: closed forms against numbers ----------------------------------
@pytest.mark.parametrize("theta", [0.0, 0.25, -0.5, 0.9, 1.0, 1.7, -2.5])
def test_js_closed_form_matches_densities_on_a_grid(theta):
    x = torch.linspace(-4, 5, 90001, dtype=torch.float64)
    dx = (x[1] - x[0]).item()
    p0 = ((x >= 0) & (x < 1)).double()
    pt = ((x >= theta) & (x < theta + 1)).double()
    assert divergences.js_divergence(p0, pt, dx) == pytest.approx(divergences.js_shifted_uniform(theta), abs=1e-3)
    assert divergences.js_shifted_uniform(theta) == pytest.approx(math.log(2) * min(abs(theta), 1))


@pytest.mark.parametrize("theta", [0.0, 0.3, -1.5, 3.0])
def test_w1_closed_form_matches_samples(theta):
    a = divergences.uniform_samples(5000, seed=0)
    b = divergences.uniform_samples(5000, seed=1) + theta
    assert divergences.wasserstein1_1d(a, b) == pytest.approx(divergences.w1_shifted_uniform(theta), abs=0.03)


def test_gradients_of_the_closed_forms():
    theta = torch.tensor([-2.0, -0.5, 0.5, 2.0], requires_grad=True)
    (d_js,) = torch.autograd.grad(divergences.js_shifted_uniform(theta).sum(), theta)
    (d_w1,) = torch.autograd.grad(divergences.w1_shifted_uniform(theta).sum(), theta)
    assert d_js.tolist() == pytest.approx([0.0, -math.log(2), math.log(2), 0.0])  # flat once disjoint
    assert d_w1.tolist() == [-1.0, -1.0, 1.0, 1.0]                               # never flat


def test_js_extremes_and_bad_input():
    x = torch.linspace(0, 1, 101, dtype=torch.float64)
    p = torch.ones_like(x)
    assert divergences.js_divergence(p, p, 0.01) == pytest.approx(0.0, abs=1e-12)
    left, right = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    assert divergences.js_divergence(left, right, 1.0) == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match="same grid"):
        divergences.js_divergence(torch.ones(3), torch.ones(4), 0.1)
    with pytest.raises(ValueError, match=">= 0"):
        divergences.js_divergence(-torch.ones(3), torch.ones(3), 0.1)


def test_wasserstein1_1d_matches_scipy_for_unequal_sizes():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(37, generator=g).double(), torch.randn(53, generator=g).double() * 2 + 1
    assert divergences.wasserstein1_1d(a, b) == pytest.approx(wasserstein_distance(a.numpy(), b.numpy()), rel=1e-9)
    # equal sizes: the sorted-pairs formula of the chapter's exercise
    c = torch.randn(37, generator=g).double()
    assert divergences.wasserstein1_1d(a, c) == pytest.approx((a.sort().values - c.sort().values).abs().mean().item())
    with pytest.raises(ValueError, match="at least one"):
        divergences.wasserstein1_1d(torch.tensor([]), a)


def test_exact_w1_on_point_sets():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(60, 2, generator=g, dtype=torch.float64)
    shift = torch.tensor([3.0, 4.0], dtype=torch.float64)
    # a translated copy, shuffled: moving every point by the shift is optimal, cost |shift| = 5
    assert divergences.wasserstein1_exact(a, a[torch.randperm(60, generator=g)] + shift) == pytest.approx(5.0)
    # in 1D it agrees with the sorted-quantile formula
    x, y = torch.randn(40, generator=g, dtype=torch.float64), torch.randn(40, generator=g, dtype=torch.float64) * 3
    assert divergences.wasserstein1_exact(x, y) == pytest.approx(divergences.wasserstein1_1d(x, y))
    with pytest.raises(ValueError, match="same shape"):
        divergences.wasserstein1_exact(torch.zeros(3, 2), torch.zeros(4, 2))


def test_shift_generator_samples_the_shifted_uniform():
    G = divergences.ShiftGenerator(theta=3.0)
    x = G(torch.randn(20000, 1, generator=torch.Generator().manual_seed(0)))
    assert x.shape == (20000, 1) and x.min() >= 3.0 and x.max() <= 4.0
    assert x.mean().item() == pytest.approx(3.5, abs=0.01) and x.var().item() == pytest.approx(1 / 12, abs=0.003)
    x.mean().backward()
    assert G.theta.grad.item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"\[B, 1\]"):
        G(torch.randn(4, 2))


# --- The Wasserstein estimate from a run's history -------------------------------------------------------
def test_wasserstein_estimate_reads_d_real_minus_d_fake():
    h = training.History()
    for step, (r, f) in enumerate([(1.0, 0.0), (2.0, 0.5), (0.5, 0.5), (3.0, -1.0)], 1):
        h.log(step, 0.0, {"d_real": r, "d_fake": f})
    steps, est = divergences.wasserstein_estimate(h)
    assert steps.tolist() == [1, 2, 3, 4] and est.tolist() == [1.0, 1.5, 0.0, 4.0]
    steps, est = divergences.wasserstein_estimate(h, smooth=2)
    assert steps.tolist() == [2, 3, 4] and est.tolist() == pytest.approx([1.25, 0.75, 2.0])
    with pytest.raises(ValueError, match="smooth"):
        divergences.wasserstein_estimate(h, smooth=0)


def test_critic_estimate_is_positive_after_training_a_critic():
    # a penalised critic between two separated blobs: E[f(real)] - E[f(fake)] > 0 and close to W1 (= 2 here)
    torch.manual_seed(0)
    real = torch.randn(512, 2) * 0.05 + torch.tensor([1.0, 0.0])
    G = torch.nn.Linear(2, 2)
    with torch.no_grad():
        G.weight.copy_(torch.eye(2) * 0.05); G.bias.copy_(torch.tensor([-1.0, 0.0]))
    G.z_dim = 2
    from gan_course import models
    _, D = models.build("mlp", sample_shape=(2,), hidden=16, n_layers=1)
    cfg = TrainConfig(steps=40, batch_size=64, loss="wasserstein", n_critic=5, gp_lambda=10.0, lr_g=0.0,
                      lr_d=1e-2, betas=(0.0, 0.9))
    run = training.train_gan(G, D, real, cfg, progress=False)
    _, est = divergences.wasserstein_estimate(run.history)
    assert 1.5 < est[-10:].mean() < 2.3


# --- Bad input through TrainConfig (item 5 of the chapter's issue) ------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    ({"n_critic": 0}, "n_critic .* must be an int >= 1"),
    ({"n_critic": 2.5}, "n_critic"),
    ({"gp_lambda": -10.0}, "gp_lambda .* must be >= 0"),
    ({"clip": -0.01}, "clip .* must be >= 0"),
])
def test_bad_wgan_settings_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(loss="wasserstein", **kwargs)


# --- Presets: a fair comparison, the papers' settings --------------------------------------------------------
@pytest.mark.parametrize("name", presets.PRESET_NAMES)
def test_preset_comparison_is_fair_and_follows_the_papers(name):
    P = presets.get_preset("03_wasserstein_gan", name)
    methods = P.toy_methods
    assert set(methods) == ({"vanilla (NS)", "WGAN-GP"} | ({"WGAN (clip)"} if name != "small" else set()))
    assert len({cfg.steps for cfg in methods.values()}) == 1         # same generator-step budget ...
    assert len({cfg.lr_decay_start for cfg in methods.values()}) == 1  # ... and the same lr schedule
    assert set(P.toy_steps) == {"ring8", "grid25"}                   # ... per mixture
    assert P.toy_model.z_dim == 2 and P.n_eval in (1000, 2500)
    gp = methods["WGAN-GP"]
    assert (gp.loss, gp.optimizer, gp.gp_lambda, gp.n_critic, gp.clip) == ("wasserstein", "adam", 1.0, 5, 0)
    if "WGAN (clip)" in methods:
        wgan = methods["WGAN (clip)"]
        assert (wgan.loss, wgan.optimizer, wgan.clip, wgan.n_critic, wgan.gp_lambda, wgan.lr_d) == (
            "wasserstein", "rmsprop", 0.01, 5, 0, 5e-5)
    assert methods["vanilla (NS)"].loss == "nonsaturating" and methods["vanilla (NS)"].n_critic == 1
    img = P.digits_train
    assert (img.lr_g, img.lr_d, img.betas, img.gp_lambda, img.n_critic) == (1e-4, 1e-4, (0.0, 0.9), 10.0, 5)
    assert len(P.seeds) == (1 if name == "tiny" else len(P.seeds)) and (name == "tiny" or len(P.seeds) >= 3)
    assert all(cfg.lr_g == 0 for cfg in {**P.shift_train, **P.capacity_train}.values())  # the demos train D only


def test_per_mixture_budgets():
    results = toy_benchmark.compare_on_mixtures(quick_methods(), SMALL, seeds=(0,), steps={"ring8": 2, "grid25": 3},
                                                n_eval=100, verbose=False)
    assert {(r.dataset, r.steps, r.run.step) for r in results} == {("ring8", 2, 2), ("grid25", 3, 3)}
    assert "2 on ring8, 3 on grid25 generator steps each" in toy_benchmark.coverage_table(results)
    with pytest.raises(ValueError, match="steps gives no budget for grid25"):
        toy_benchmark.compare_on_mixtures(quick_methods(), SMALL, steps={"ring8": 2}, verbose=False)


# --- The toy comparison -----------------------------------------------------------------------------------------
SMALL = MLPConfig(sample_shape=(2,), z_dim=4, hidden=16, n_layers=2)


def quick_methods(steps=3):
    return {k: dataclasses.replace(v, steps=steps, batch_size=32)
            for k, v in presets.get_preset("03_wasserstein_gan", "tiny").toy_methods.items()}


def test_compare_on_mixtures_runs_every_combination_and_tabulates():
    results = toy_benchmark.compare_on_mixtures(quick_methods(), SMALL, seeds=(0, 1), n_eval=200,
                                                track_every=2, verbose=False)
    assert len(results) == 3 * 2 * 2
    assert {(r.method, r.dataset, r.seed) for r in results} == {
        (m, d, s) for m in quick_methods() for d in ("ring8", "grid25") for s in (0, 1)}
    r = results[0]
    assert r.run.step == 3 and [s for s, _, _ in r.run.history.metrics["modes"]] == [2, 3]
    table = toy_benchmark.coverage_table(results)
    assert all(m in table for m in quick_methods()) and "± " in table
    assert "2 seed(s) [0, 1], 3 generator steps each, 200 samples per score" in table
    assert "ring8: modes, >= 1 sample" in table and "| chance (uniform cloud) |" in table
    summary = toy_benchmark.summarize(results)
    ring = [x.coverage.high_quality * 100 for x in results if x.method == "WGAN-GP" and x.dataset == "ring8"]
    assert summary[("WGAN-GP", "ring8")]["high_quality"] == pytest.approx(np.mean(ring))
    assert summary[("WGAN-GP", "ring8")]["high_quality_std"] == pytest.approx(np.std(ring, ddof=1))
    any_rule = [x.coverage.modes_any for x in results if x.method == "WGAN-GP" and x.dataset == "ring8"]
    assert summary[("WGAN-GP", "ring8")]["modes_any"] == pytest.approx(np.mean(any_rule))


def test_compare_on_mixtures_loads_stored_runs_with_the_same_scores_curves_and_seconds(tmp_path, capsys):
    """Chapter 03's twelve toy runs go through a shelf (issue 23): recorded once, loaded after, every number
    the notebook prints from them is the recorded run's (coverage, curves, critic, training seconds)."""
    from gan_course import stored_runs

    def compare(mode):
        shelf = stored_runs.open_shelf("03_wasserstein_gan", "tiny", 0, mode, folder=tmp_path)
        return shelf, toy_benchmark.compare_on_mixtures(quick_methods(), SMALL, seeds=(0,), n_eval=200, track_every=2,
                                                        verbose=False, pretrained=shelf)

    _, recorded = compare("record")
    shelf, loaded = compare("auto")
    out = capsys.readouterr().out
    assert len(shelf.loaded) == len(recorded) == 3 * 2 and out.count("loaded stored run") == len(recorded)
    assert "training here" not in out
    for a, b in zip(recorded, loaded):
        assert (a.method, a.dataset, a.coverage) == (b.method, b.dataset, b.coverage)
        assert b.seconds == b.run.seconds == a.seconds > 0  # the recorded training time, not the load's
        assert a.run.history.metrics == b.run.history.metrics and a.run.history.logs == b.run.history.logs
        for k in ("G", "D"):  # the critic plots need D: it is stored
            for x, y in zip(a.run.modules[k].state_dict().values(), b.run.modules[k].state_dict().values()):
                assert torch.equal(x, y)
    _, trained = compare(False)
    assert all(r.run.stored is None for r in trained) and all(r.run.stored is not None for r in loaded)


def test_chance_row_is_a_uniform_cloud_over_the_square_beyond_the_modes():
    results = toy_benchmark.compare_on_mixtures(quick_methods(1), SMALL, seeds=(0, 1), n_eval=2500, verbose=False)
    chance = toy_benchmark.chance_results(results)
    assert [(r.method, r.dataset, r.seed) for r in chance] == [
        (toy_benchmark.CHANCE, d, s) for d in ("ring8", "grid25") for s in (0, 1)]
    grid = next(r for r in chance if r.dataset == "grid25")
    assert grid.coverage.modes == 0 and grid.coverage.modes_any >= 15  # no learning: 0 by the course's rule
    assert toy_benchmark.chance_half_width(data.load_dataset("grid25", n_samples=10)) == 5.0
    assert "chance" not in toy_benchmark.coverage_table(results, chance=False)


def test_same_seed_same_initial_weights_for_every_method():
    # with zero learning rates nothing moves, so each run's G is exactly its initialisation
    frozen = {k: dataclasses.replace(v, lr_g=0.0, lr_d=0.0) for k, v in quick_methods(steps=1).items()}
    results = toy_benchmark.compare_on_mixtures(frozen, SMALL, datasets=("ring8",), seeds=(3,), n_eval=50,
                                                verbose=False)
    from gan_course import models, runtime
    runtime.seed_everything(3)
    G0, D0 = models.build("mlp", **dataclasses.asdict(SMALL))
    for r in results:
        for p, q in zip(r.run.G.parameters(), G0.parameters()):
            assert torch.equal(p, q)
        for p, q in zip(r.run.D.parameters(), D0.parameters()):  # the clipped critic: its init, clipped
            assert torch.equal(p, q.clamp(-0.01, 0.01) if r.method == "WGAN (clip)" else q)


@pytest.mark.parametrize("call, match", [
    (lambda: toy_benchmark.compare_on_mixtures({"a": TrainConfig(steps=2), "b": TrainConfig(steps=3)}, SMALL),
     "same number of generator steps"),
    (lambda: toy_benchmark.compare_on_mixtures(quick_methods(), SMALL, datasets=("digits",)), "unknown mixture"),
    (lambda: toy_benchmark.compare_on_mixtures(quick_methods(), MLPConfig(sample_shape=(3,))), "sample_shape"),
    (lambda: toy_benchmark.compare_on_mixtures({}, SMALL), "methods is empty"),
    (lambda: toy_benchmark.compare_on_mixtures(quick_methods(), SMALL, seeds=()), "seeds is empty"),
    (lambda: toy_benchmark.coverage_table([]), "no results"),
])
def test_comparison_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- Pictures and widgets -------------------------------------------------------------------------------------
def test_viz_helpers_draw():
    import matplotlib.pyplot as plt

    ax = viz.plot_shifted_uniforms(2.0)
    assert "W1 = 2.00" in ax.get_title() and "JS = 0.693" in ax.get_title()
    from gan_course import models
    _, D = models.build("mlp", sample_shape=(2,), hidden=8, n_layers=1)
    ax = viz.plot_weight_histogram(D, clip=0.01, title="weights")
    assert len(ax.lines) == 2  # the two bounds
    plt.close("all")


def test_disjoint_supports_widget_renders_from_its_slider():
    view = widgets.disjoint_supports(theta=2.0)
    first = view.image.value
    view.controls["theta"].value = 0.5
    changed = view.image.value
    assert changed != first
    view.controls["theta"].value = 2.0
    assert view.image.value == first  # the same value gives the same PNG bytes


def test_toy_results_explorer_renders_each_run():
    results = toy_benchmark.compare_on_mixtures(quick_methods(), SMALL, seeds=(0,), n_eval=50, verbose=False)
    view = widgets.toy_results_explorer(results, n_points=100)
    first = view.image.value
    view.controls["method"].value = "WGAN-GP"
    assert view.image.value != first
    view.controls["dataset"].value = "grid25"
    grid = view.image.value
    view.controls["show_critic"].value = False
    assert view.image.value != grid
    view.controls["show_critic"].value = True
    assert view.image.value == grid
    with pytest.raises(ValueError, match="no results"):
        widgets.toy_results_explorer([])


# --- Section 2's 1D trap, and its way out -----------------------------------------------------------------------
def test_linear_critic_loss_has_a_wrong_signed_local_minimum():
    gap, lam = 3.0, 10.0
    s = torch.linspace(-2, 2, 40001, dtype=torch.float64)
    L = divergences.linear_critic_loss(s, gap, lam)
    positive = s > 0
    s_trap = s[positive][L[positive].argmin()].item()
    assert s_trap == pytest.approx(1 - gap / (2 * lam), abs=1e-3)     # 0.85: rises towards the fakes
    assert s[L.argmin()].item() == pytest.approx(-1 - gap / (2 * lam), abs=1e-3)
    assert divergences.linear_critic_loss(0.0, gap, lam) == lam       # the barrier at slope 0
    assert (L[positive][:-1] > L[positive].min()).any() and s_trap < 1  # an interior minimum, not the edge
    s_small = torch.linspace(0, 2, 2001, dtype=torch.float64)         # lam < gap / 2: no trap
    assert divergences.linear_critic_loss(s_small, gap, 1.0).argmin() == 0


def test_shift_generator_extra_dims_are_zero_and_keep_the_gradient():
    G = divergences.ShiftGenerator(theta=3.0, extra_dims=1)
    x = G(torch.randn(500, 1))
    assert x.shape == (500, 2) and (x[:, 1] == 0).all() and (x[:, 0] >= 3).all() and (x[:, 0] <= 4).all()
    (g,) = torch.autograd.grad(x[:, 0].mean(), G.theta)
    assert g.item() == pytest.approx(1.0)
    real = divergences.uniform_samples(10, seed=1, extra_dims=2)
    assert real.shape == (10, 3) and (real[:, 1:] == 0).all()
    assert torch.equal(real[:, :1], divergences.uniform_samples(10, seed=1))
    with pytest.raises(ValueError, match="extra_dims must be an int >= 0"):
        divergences.ShiftGenerator(extra_dims=-1)
