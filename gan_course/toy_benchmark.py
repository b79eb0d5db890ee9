"""Several GAN recipes on the 2D mixtures, over several seeds: chapter 03's mode-coverage table.

A *recipe* is a `TrainConfig` (loss, n_critic, penalty, clipping, optimiser); every recipe trains the
same MLP G and D (`models/mlp.py`) through the course's one loop, `training.train_gan`, for the same
number of generator steps, and is scored with `metrics.mode_coverage` (modes captured and fraction of
high-quality samples; Metz et al. arXiv:1611.02163, Srivastava et al. arXiv:1705.07761).

    results = compare_on_mixtures({"vanilla": cfg_ns, "WGAN": cfg_clip, "WGAN-GP": cfg_gp},
                                  model, datasets=("ring8", "grid25"), seeds=(0, 1, 2))
    print(coverage_table(results))     # mean ± std over seeds, as a Markdown table
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Iterable

from . import checks, data, metrics, models, runtime, training
from .models.mlp import MLPConfig
from .training import Run, TrainConfig


@dataclass
class ToyResult:
    """One trained run of one recipe on one mixture with one seed, and its score."""

    method: str
    dataset: str
    seed: int
    steps: int                          # generator steps (the shared budget)
    seconds: float                      # training time (`run.seconds`: a stored run's is the recorded one)
    coverage: metrics.ModeCoverage      # on n_eval fresh samples after training
    run: Run                            # the run itself: G, D (the critic), history
    n_eval: int = 2500                  # generated points behind `coverage`


def coverage_callbacks(dataset: data.Dataset, every: int, n: int = 1000, seed: int = 12345):
    """`metric_callback`s that log "modes", "modes_any" and "high_quality" during training, every `every` steps.

    Both read one evaluation per step (cached), on the same fixed noise (`seed`) each time, so the
    curves show G improving and not the sampling noise.
    """
    cache: dict[int, metrics.ModeCoverage] = {}

    def coverage(run: Run) -> metrics.ModeCoverage:
        if run.step not in cache:
            cache.clear()
            fake = training.sample(run.generator, n, seed=seed).cpu()
            cache[run.step] = metrics.mode_coverage(fake, dataset.centers, dataset.std)
        return cache[run.step]

    return [training.metric_callback(every, "modes", lambda run: coverage(run).modes),
            training.metric_callback(every, "modes_any", lambda run: coverage(run).modes_any),
            training.metric_callback(every, "high_quality", lambda run: coverage(run).high_quality)]


def compare_on_mixtures(methods: dict[str, TrainConfig], model: MLPConfig,
                        datasets: Iterable[str] = ("ring8", "grid25"), seeds: Iterable[int] = (0,), *,
                        steps: dict[str, int] | None = None, n_eval: int = 2500, track_every: int = 0,
                        device="cpu", verbose: bool = True, pretrained=None) -> list[ToyResult]:
    """Train every recipe in `methods` on every mixture for every seed; return the scored runs.

    All recipes must share one step budget (`TrainConfig.steps`, or `steps[mixture]` to give each
    mixture its own): the comparison is per generator step, although the WGANs' critics take n_critic
    steps for each. `track_every` > 0 also logs mode coverage during training
    (history.metrics["modes"], ["modes_any"], ["high_quality"]).
    `pretrained=shelf` (a `stored_runs.Shelf`) goes to every `train_gan` call: a stored run of exactly that
    training is loaded instead (its history holds the coverage curves; `seconds` is its recorded training time).
    """
    if not methods:
        raise ValueError("methods is empty: give at least one name -> TrainConfig")
    budgets = {name: cfg.steps for name, cfg in methods.items()}
    if len(set(budgets.values())) != 1:
        raise ValueError(f"every method needs the same number of generator steps for a fair comparison, got {budgets}")
    datasets, seeds = tuple(datasets), tuple(seeds)
    for name in datasets:
        if name not in data.MIXTURES:
            raise ValueError(f"unknown mixture {name!r}; valid: {', '.join(data.MIXTURES)}")
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed")
    if steps is not None:
        missing = [d for d in datasets if d not in steps]
        if missing:
            raise ValueError(f"steps gives no budget for {', '.join(missing)}; give one per mixture, e.g. "
                             f"steps={{'ring8': 3000, 'grid25': 5000}}")
        for d in datasets:
            checks.integer(f"steps[{d!r}]", steps[d])
    if model.sample_shape != (2,):
        raise ValueError(f"the mixtures are 2D points: the model needs sample_shape=(2,), got {model.sample_shape}")

    results = []
    for ds_name in datasets:
        ds = data.load_dataset(ds_name)
        for seed in seeds:
            for method, cfg in methods.items():
                runtime.seed_everything(seed)  # same seed, same initial G and D for every method
                G, D = models.build("mlp", **dataclasses.asdict(model))
                callbacks = coverage_callbacks(ds, track_every) if track_every else []
                budget = cfg.steps if steps is None else steps[ds_name]
                run = training.train_gan(G, D, ds.x, dataclasses.replace(cfg, seed=seed, steps=budget), device=device,
                                         callbacks=callbacks, progress=False, pretrained=pretrained)
                seconds = run.seconds  # the training time (a stored run's: recorded), the same whether trained or loaded
                fake = training.sample(run.generator, n_eval, seed=seed + 1).cpu()
                cov = metrics.mode_coverage(fake, ds.centers, ds.std)
                results.append(ToyResult(method, ds_name, seed, budget, seconds, cov, run, n_eval))
                if verbose:
                    print(f"{ds_name:>7} seed {seed} {method:>12}: {cov} ({seconds:.1f} s)", flush=True)
    return results


CHANCE = "chance (uniform cloud)"


def chance_half_width(dataset: data.Dataset) -> float:
    """The square a structureless cloud covers: one unit beyond the outermost mode centre
    (grid25: [-5, 5]^2, ring8: [-3, 3]^2)."""
    return float(dataset.centers.abs().max()) + 1.0


def chance_results(results: list[ToyResult]) -> list[ToyResult]:
    """For each (mixture, seed) of `results`: the score of a uniform cloud of the same size, as a
    result of the pseudo-method CHANCE (no run: what "no learning at all" scores)."""
    out = []
    for ds_name, seed, n in dict.fromkeys((r.dataset, r.seed, r.n_eval) for r in results):
        ds = data.load_dataset(ds_name, n_samples=10)  # only its centres and std are needed
        cov = metrics.chance_coverage(ds.centers, ds.std, n, chance_half_width(ds), seed=seed)
        out.append(ToyResult(CHANCE, ds_name, seed, 0, 0.0, cov, None, n))
    return out


def _mean_std(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, float("nan")
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))  # sample std


def summarize(results: list[ToyResult]) -> dict[tuple[str, str], dict[str, float]]:
    """(method, dataset) -> mean and sample std over seeds of modes captured (both rules) and % high quality."""
    groups: dict[tuple[str, str], list[ToyResult]] = {}
    for r in results:
        groups.setdefault((r.method, r.dataset), []).append(r)
    out = {}
    for key, rs in groups.items():
        modes = _mean_std([r.coverage.modes for r in rs])
        modes_any = _mean_std([r.coverage.modes_any for r in rs])
        hq = _mean_std([100 * r.coverage.high_quality for r in rs])
        out[key] = {"modes": modes[0], "modes_std": modes[1], "modes_any": modes_any[0], "modes_any_std": modes_any[1],
                    "total_modes": rs[0].coverage.total_modes, "high_quality": hq[0], "high_quality_std": hq[1],
                    "seeds": len(rs), "seconds": sum(r.seconds for r in rs) / len(rs)}
    return out


def coverage_table(results: list[ToyResult], chance: bool = True) -> str:
    """A Markdown table: one row per method (and, with `chance`, one for a uniform cloud), with modes
    captured under the course's rule and under the papers' one-sample rule, and % high-quality samples,
    per mixture, mean ± sample std over seeds."""
    if not results:
        raise ValueError("no results to tabulate")
    rows_in = results + (chance_results(results) if chance else [])
    summary = summarize(rows_in)
    methods = list(dict.fromkeys(r.method for r in rows_in))
    datasets = list(dict.fromkeys(r.dataset for r in results))

    def fmt(mean, std, digits):
        return f"{mean:.{digits}f}" if math.isnan(std) else f"{mean:.{digits}f} ± {std:.{digits}f}"

    head = "| method | " + " | ".join(f"{d}: modes | {d}: modes, >= 1 sample | {d}: % high quality"
                                      for d in datasets) + " | s / run |"
    rule = "|---|" + "---|---|---|" * len(datasets) + "---|"
    rows = [head, rule]
    for m in methods:
        cells = []
        for d in datasets:
            s = summary[(m, d)]
            cells += [f"{fmt(s['modes'], s['modes_std'], 1)} / {s['total_modes']}",
                      f"{fmt(s['modes_any'], s['modes_any_std'], 1)} / {s['total_modes']}",
                      fmt(s["high_quality"], s["high_quality_std"], 1)]
        seconds = sum(summary[(m, d)]["seconds"] for d in datasets) / len(datasets)
        rows.append(f"| {m} | " + " | ".join(cells) + (" | – |" if m == CHANCE else f" | {seconds:.1f} |"))
    seeds = sorted({r.seed for r in results})
    budgets = dict.fromkeys((r.dataset, r.steps) for r in results)
    steps = (str(results[0].steps) if len({s for _, s in budgets}) == 1
             else ", ".join(f"{s} on {d}" for d, s in budgets))
    n = results[0].n_eval
    rows.append("")
    rows.append(f"{len(seeds)} seed(s) {seeds}, {steps} generator steps each, {n} samples per score; mean ± sample "
                f"std over seeds. *modes*: the course's rule (>= 0.8 % of the samples high-quality in the mode); "
                f"*>= 1 sample*: the rule of PacGAN's and GDPP's code, which their published numbers use."
                + (f" *{CHANCE}*: {n} points uniform over the square one unit beyond the outermost mode." if chance else ""))
    return "\n".join(rows)
