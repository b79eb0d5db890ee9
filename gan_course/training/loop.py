"""The generic loop: `fit(run, step_fn, steps)`, what a run remembers, and exact resume.

`fit` calls `step_fn(run)` until `run.step == steps`; it keeps a loss history, stops on NaN/Inf
with a clear message, calls callbacks before and after each step, and writes checkpoints from which
a run resumes *exactly* (weights, optimiser moments, data order, random state and the run's own
small state, e.g. StyleGAN2's running path length).
"""
from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import torch
from torch import Tensor, nn

from .. import checkpoints

PROGRESS_ENV = "GAN_COURSE_PROGRESS"


# --- Data: endless shuffled batches that can be resumed ------------------------------------------
class Batches:
    """Endless mini-batches of (x, y) from tensors in memory, reshuffled every epoch.

    y is a label per sample, a paired input per sample (e.g. the low-resolution image of a
    super-resolution pair), or None. The order is a pure function of (seed, epoch, position), so
    saving two integers is enough to resume a run on exactly the batch it would have seen next.
    """

    def __init__(self, x: Tensor, y: Tensor | None, batch_size: int, seed: int = 0):
        if y is not None and len(y) != len(x):
            raise ValueError(f"x holds {len(x)} samples but y holds {len(y)}: give one label (or target) per sample")
        if batch_size > len(x):
            raise ValueError(f"batch_size {batch_size} is larger than the dataset ({len(x)} samples)")
        self.x, self.y, self.batch_size, self.seed = x, y, batch_size, seed
        self.epoch, self.pos = 0, 0
        self._perm = self._permutation(0)

    def _permutation(self, epoch: int) -> Tensor:
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(len(self.x), generator=g)

    def __iter__(self):
        return self

    def __next__(self) -> tuple[Tensor, Tensor | None]:
        if self.pos + self.batch_size > len(self.x):  # drop the ragged end, start a new epoch
            self.epoch, self.pos = self.epoch + 1, 0
            self._perm = self._permutation(self.epoch)
        idx = self._perm[self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        return self.x[idx], (None if self.y is None else self.y[idx])

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "pos": self.pos, "seed": self.seed}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.seed, self.epoch, self.pos = state["seed"], state["epoch"], state["pos"]
        self._perm = self._permutation(self.epoch)


# --- What a run remembers ------------------------------------------------------------------------
@dataclass
class History:
    """Per-step logs (`history["d_loss"]`), wall time, fixed-noise sample snapshots, and metrics
    evaluated every so often (`metrics["fid"]` = [(step, seconds, value), ...], see `metric_callback`)."""

    steps: list[int] = field(default_factory=list)
    logs: dict[str, list[float]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)      # wall time since the run started
    snapshots: list[tuple[int, Tensor]] = field(default_factory=list)
    metrics: dict[str, list[tuple[int, float, float]]] = field(default_factory=dict)

    def log(self, step: int, seconds: float, values: dict[str, float]) -> None:
        self.steps.append(step)
        self.seconds.append(seconds)
        for k, v in values.items():
            self.logs.setdefault(k, []).append(v)

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.logs:
            raise KeyError(f"no {key!r} in the history; logged: {', '.join(self.logs) or 'nothing yet'}")
        return self.logs[key]

    def state_dict(self) -> dict[str, Any]:
        return {"steps": self.steps, "logs": self.logs, "seconds": self.seconds,
                "snapshots": [[s, x] for s, x in self.snapshots],
                "metrics": {k: [list(r) for r in v] for k, v in self.metrics.items()}}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> "History":
        return cls(list(state["steps"]), {k: list(v) for k, v in state["logs"].items()},
                   list(state["seconds"]), [(int(s), x) for s, x in state["snapshots"]],
                   {k: [(int(s), float(t), float(v)) for s, t, v in rows] for k, rows in state.get("metrics", {}).items()})


@dataclass
class Run:
    """Everything a training run owns: models, optimisers, data, config, history, step counter.

    `state` holds small numbers a step function carries from step to step (StyleGAN2's running
    mean path length): plain floats, saved in checkpoints. `transform_real` and `content_loss` are
    set by callbacks or by the caller and are not saved: they are functions of the config and the
    step (ProGAN's fade of the real images), or fixed (SRGAN's feature loss).
    """

    modules: dict[str, nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]
    batches: Batches
    config: Any
    device: torch.device
    history: History = field(default_factory=History)
    step: int = 0
    seconds: float = 0.0  # training time accumulated over all sessions of this run
    state: dict[str, float] = field(default_factory=dict)
    transform_real: Callable[[Tensor], Tensor] | None = None   # applied to every real batch (ProGAN's fade)
    content_loss: Callable[[Tensor, Tensor], Tensor] | None = None  # G's non-adversarial loss (paired models)
    stop: bool = False  # a callback sets it to end training after this step (e.g. `time_budget`); not saved
    stored: Any = None  # the `stored_runs.StoredRun` this run was loaded from instead of trained, or None
    dropped: set[str] = field(default_factory=set)  # modules a stored run ships without (see `stored_runs`)

    def module(self, name: str) -> nn.Module:
        """`run.modules[name]`, with an error that says why a module is absent."""
        if name not in self.modules:
            why = (" (loaded from the course's stored runs, which ship without what no later cell uses: train it "
                   "here with pretrained=False to get it)" if name in self.dropped else "")
            raise KeyError(f"this run has no {name!r}{why}; it holds: {', '.join(self.modules)}")
        return self.modules[name]

    @property
    def G(self) -> nn.Module:
        return self.module("G")

    @property
    def D(self) -> nn.Module:
        return self.module("D")

    @property
    def G_ema(self) -> nn.Module | None:
        return self.modules.get("G_ema")

    @property
    def generator(self) -> nn.Module:
        """The generator to look at: G_ema when the run keeps one (smoother samples), else G."""
        return self.G_ema if self.G_ema is not None else self.G

    @property
    def model(self) -> nn.Module:
        """The one model of a non-adversarial run (`train_model`)."""
        return self.module("model")


Callback = Callable[[Run], None]


# --- The generic loop ------------------------------------------------------------------------------
def fit(run: Run, step_fn: Callable[[Run], dict[str, float]], steps: int, *,
        callbacks: Iterable[Callback] = (), before_step: Iterable[Callback] = (),
        checkpoint_path: str | Path | None = None, checkpoint_every: int = 0,
        progress: bool | None = None) -> Run:
    """Call `step_fn(run)` until `run.step == steps`; log, guard, call back and checkpoint.

    `before_step` callbacks run before each step (they see `run.step` = the number of steps done),
    e.g. ProGAN's growth schedule setting the fade-in alpha; `callbacks` run after each step, and
    one of them may end training early by setting `run.stop = True` (see `time_budget`).
    `progress=None` shows a progress bar unless $GAN_COURSE_PROGRESS is "0" (the course runner and
    the tests set it, so executed notebooks and their HTML keep no half-finished bars).
    """
    from tqdm.auto import tqdm  # imported here so that importing the package stays instant

    if progress is None:
        progress = os.environ.get(PROGRESS_ENV, "1").strip() != "0"
    if checkpoint_every and checkpoint_path is None:
        raise ValueError("checkpoint_every is set but checkpoint_path is None: where should checkpoints go?")
    if checkpoint_every:  # fail now, not at the first save after training (the run's history would be lost)
        checkpoints.check_writable(checkpoint_path)
    before_step, callbacks = list(before_step), list(callbacks)
    bar = tqdm(total=steps, initial=run.step, disable=not progress, leave=False, desc="training")
    started = time.perf_counter() - run.seconds
    run.stop = False
    while run.step < steps and not run.stop:
        for callback in before_step:
            callback(run)
        values = step_fn(run)
        run.step += 1
        run.seconds = time.perf_counter() - started
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        if bad:
            bar.close()
            raise FloatingPointError(
                f"training diverged at step {run.step}: {', '.join(f'{k}={v}' for k, v in bad.items())}. "
                f"Try a lower learning rate, a smaller batch of steps (n_critic), or a penalty (gp_lambda / r1_gamma)."
            )
        run.history.log(run.step, run.seconds, values)
        for callback in callbacks:
            callback(run)
        if checkpoint_every and run.step % checkpoint_every == 0:
            save_run(run, checkpoint_path)
        bar.update(1)
        if run.step % 10 == 0 or run.step == steps:
            bar.set_postfix({k: f"{v:.3f}" for k, v in values.items()}, refresh=False)
    bar.close()
    return run


def save_run(run: Run, path: str | Path) -> Path:
    """Checkpoint everything `resume_run` needs to continue exactly where this run stands."""
    rng = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    return checkpoints.save(path, {
        "step": run.step, "seconds": run.seconds, "state": dict(run.state),
        "modules": {k: m.state_dict() for k, m in run.modules.items()},
        "module_configs": {k: checkpoints.model_config(m) for k, m in run.modules.items()},
        "optimizers": {k: o.state_dict() for k, o in run.optimizers.items()},
        "batches": run.batches.state_dict(), "history": run.history.state_dict(), "rng": rng,
    }, run.config)


# Resuming continues the same experiment: only the length of the run may change.
RESUMABLE_CHANGES = ("steps",)


def resume_run(run: Run, path: str | Path) -> Run:
    """Load a checkpoint written by `save_run` into a freshly built run of the same architecture.

    The run's config must equal the checkpoint's except for `steps` (a longer run of the same
    experiment); anything else (a learning rate, the loss, the batch size) would silently be another
    experiment, so it is an error that lists the differences.
    """
    state = checkpoints.load(path, map_location=run.device)
    if "modules" not in state:
        raise ValueError(f"{path} holds one model's weights (written by checkpoints.save_model), not a training "
                         f"run: resume needs a checkpoint written during training (train_gan(checkpoint_path=...))")
    saved, now = state.get("config") or {}, checkpoints.plain(run.config) or {}
    defaults = _defaults(run.config)  # a setting newer than the checkpoint counts as unchanged at its default
    changed = [f"{k}: checkpoint {saved.get(k)!r}, now {now.get(k)!r}" for k in sorted(set(saved) | set(now))
               if k not in RESUMABLE_CHANGES and saved.get(k) != now.get(k)
               and not (k not in saved and k in defaults and now.get(k) == defaults[k])]
    if changed:
        raise ValueError(f"{path} was trained with another config; only {', '.join(RESUMABLE_CHANGES)} may change "
                         f"when resuming. Differences:\n  " + "\n  ".join(changed)
                         + "\nUse the checkpoint's config, or start a new run (another checkpoint_path).")
    steps = getattr(run.config, "steps", None)
    if steps is not None and state["step"] > steps:
        raise ValueError(f"{path} is at step {state['step']}, beyond this config's steps={steps}: there is nothing "
                         f"to train. Pass steps >= {state['step']} to continue the run.")
    for k, module in run.modules.items():
        checkpoints.load_state(module, state["modules"][k], what=f"checkpoint {path} ({k})",
                               config=state.get("module_configs", {}).get(k))
    for k, opt in run.optimizers.items():
        opt.load_state_dict(state["optimizers"][k])
    run.batches.load_state_dict(state["batches"])
    run.history = History.from_state_dict(state["history"])
    run.step, run.seconds, run.state = state["step"], state["seconds"], dict(state.get("state", {}))
    torch.set_rng_state(state["rng"]["torch"].cpu())
    if "cuda" in state["rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["rng"]["cuda"]])
    return run


def _defaults(config: Any) -> dict[str, Any]:
    """A dataclass config's default values, as plain values."""
    if not dataclasses.is_dataclass(config):
        return {}
    return {f.name: checkpoints.plain({"v": f.default})["v"] for f in dataclasses.fields(config)
            if f.default is not dataclasses.MISSING}


def start_or_resume(run: Run, checkpoint_path: str | Path | None, resume: bool) -> Run:
    """`resume=True`: continue from `checkpoint_path` when a checkpoint is there; when none is, say so in
    one line (a mistyped path must not pass for a resumed run) and start at step 0."""
    if not isinstance(resume, bool):
        raise ValueError(f"resume must be True or False, got {resume!r}")
    if not resume:
        return run
    if checkpoint_path is None:
        raise ValueError("resume=True needs checkpoint_path=...: the checkpoint to continue from")
    if Path(checkpoint_path).is_file():
        return resume_run(run, checkpoint_path)
    checkpoints.check_writable(checkpoint_path)  # a folder, or a path under a file: say so now
    print(f"resume=True: no checkpoint at {checkpoint_path} yet, so this run starts at step 0")
    return run


def metric_callback(every: int, name: str | tuple[str, ...], fn: Callable[[Run], Any], *,
                    first_step: bool = False) -> Callback:
    """Every `every` steps and at the last one, record (step, seconds, fn(run)) in history.metrics[name].

    `seconds` is the run's wall time at that step (including earlier evaluations), so a metric can be
    plotted against steps or against time: `metric_callback(500, "fid", lambda run: metrics.fid(...))`.
    One evaluation may give several numbers: with a tuple of names, `fn` returns one value per name
    (e.g. ("psnr", "feature") of the same super-resolved images). `first_step=True` records after step 1
    too, to see at once what the first updates did (SRGAN's first adversarial steps can wreck PSNR).
    """
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be an int >= 1 (evaluate every k steps), got {every!r}")
    names = (name,) if isinstance(name, str) else tuple(name)
    if not names or not all(isinstance(n, str) for n in names):
        raise ValueError(f"name must be a metric's name or a tuple of names, got {name!r}")

    def callback(run: Run) -> None:
        if (run.step % every == 0 or run.step == getattr(run.config, "steps", None) or run.stop
                or (first_step and run.step == 1)):
            values = fn(run)
            values = (values,) if isinstance(name, str) else tuple(values)
            if len(values) != len(names):
                raise ValueError(f"the metric function returned {len(values)} values for the {len(names)} names {names}")
            for n, v in zip(names, values):
                run.history.metrics.setdefault(n, []).append((run.step, run.seconds, float(v)))
    return callback


def time_budget(seconds: float) -> Callback:
    """End training after the first step at which the run's wall time reaches `seconds` (evaluations
    by callbacks included), to compare models at equal training time. Put it before the metric
    callbacks in the list: they then record the last step too. Time is not reproducible, so a
    budgeted run is not either: exact resume holds for runs that end at `steps`."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"seconds must be a finite number > 0 (the training time allowed), got {seconds!r}")

    def callback(run: Run) -> None:
        if run.seconds >= seconds:
            run.stop = True
    return callback
