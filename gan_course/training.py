"""The course's ONE training loop, reused by every chapter.

Two layers, each readable in one screen:

- `fit(run, step_fn, steps)` is generic: it calls `step_fn(run)` until `run.step == steps`, keeps a
  loss history, stops on NaN/Inf with a clear message, calls callbacks, and writes checkpoints from
  which a run resumes *exactly* (weights, optimiser moments, data order and random state).
- `gan_step` is the adversarial step: `n_critic` updates of D, then one of G, with the loss pair
  and penalties named in the `TrainConfig`. Chapters change the *config* (loss, n_critic, penalty,
  optimiser, EMA), never the loop: WGAN-GP is `loss="wasserstein", gp_lambda=10, n_critic=5`.

Non-adversarial models (an SRResNet pre-training, a VQ-VAE) pass their own `step_fn` to `fit`.
"""
from __future__ import annotations

import copy
import math
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import torch
from torch import Tensor, nn

from . import checkpoints, checks
from .losses import clip_weights_, get_loss, gradient_penalty, r1_penalty

OPTIMIZERS = ("adam", "rmsprop")


@dataclass
class TrainConfig:
    """How to train a GAN; every chapter's preset is one of these plus a model config."""

    steps: int = 1000               # generator updates
    batch_size: int = 64
    loss: str = "nonsaturating"     # a name in losses.LOSSES
    n_critic: int = 1               # D updates per G update (WGAN: 5)
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    optimizer: str = "adam"         # "rmsprop" for the original WGAN
    betas: tuple[float, float] = (0.5, 0.999)  # beta1=0.9 makes GANs oscillate (DCGAN paper)
    gp_lambda: float = 0.0          # WGAN-GP penalty weight (10 in the paper); 0 = off
    r1_gamma: float = 0.0           # R1 penalty weight; 0 = off
    r1_every: int = 1               # lazy regularisation: apply R1 every k D steps, scaled by k
    clip: float = 0.0               # WGAN weight clipping to [-clip, clip]; 0 = off
    ema_decay: float = 0.0          # keep G_ema with this decay (e.g. 0.999); 0 = no EMA
    amp: bool = False               # bfloat16 autocast on CUDA (ignored on CPU)
    snapshot_every: int = 0         # keep fixed-noise samples every k steps; 0 = 8 snapshots
    n_snapshot: int = 64            # how many fixed-noise samples each snapshot holds
    seed: int = 0                   # data order and snapshot noise (weight init is seeded by the caller)

    def __post_init__(self):
        checks.integer("steps", self.steps, why="generator updates")
        checks.integer("batch_size", self.batch_size)
        checks.integer("n_critic (D steps per G step)", self.n_critic)
        get_loss(self.loss)  # raises with the valid names
        checks.choice("optimizer", self.optimizer, OPTIMIZERS)
        checks.number("lr_g", self.lr_g, minimum=0)
        checks.number("lr_d", self.lr_d, minimum=0)
        if not (isinstance(self.betas, (tuple, list)) and len(self.betas) == 2):
            raise ValueError(f"betas must be a pair (beta1, beta2) of Adam's decay rates, got {self.betas!r}")
        for i, beta in enumerate(self.betas):
            checks.number(f"betas[{i}] (Adam's decay rate)", beta, minimum=0, below=1)
        self.betas = tuple(float(b) for b in self.betas)
        checks.number("gp_lambda (gradient-penalty weight)", self.gp_lambda, minimum=0)
        checks.number("r1_gamma", self.r1_gamma, minimum=0)
        checks.integer("r1_every", self.r1_every)
        checks.number("clip (weight clipping value; 0 = off)", self.clip, minimum=0)
        checks.number("ema_decay", self.ema_decay, minimum=0, below=1)
        checks.integer("snapshot_every (0 = 8 snapshots)", self.snapshot_every, minimum=0)
        checks.integer("n_snapshot", self.n_snapshot)
        checks.integer("seed", self.seed, minimum=0)


# --- Data: endless shuffled batches that can be resumed ------------------------------------------
class Batches:
    """Endless mini-batches of (x, y) from tensors in memory, reshuffled every epoch.

    The order is a pure function of (seed, epoch, position), so saving two integers is enough to
    resume a run on exactly the batch it would have seen next.
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
    """Everything a training run owns: models, optimisers, data, config, history, step counter."""

    modules: dict[str, nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]
    batches: Batches
    config: Any
    device: torch.device
    history: History = field(default_factory=History)
    step: int = 0
    seconds: float = 0.0  # training time accumulated over all sessions of this run

    @property
    def G(self) -> nn.Module:
        return self.modules["G"]

    @property
    def D(self) -> nn.Module:
        return self.modules["D"]

    @property
    def G_ema(self) -> nn.Module | None:
        return self.modules.get("G_ema")

    @property
    def generator(self) -> nn.Module:
        """The generator to look at: G_ema when the run keeps one (smoother samples), else G."""
        return self.G_ema if self.G_ema is not None else self.G


Callback = Callable[[Run], None]
PROGRESS_ENV = "GAN_COURSE_PROGRESS"


# --- The generic loop ------------------------------------------------------------------------------
def fit(run: Run, step_fn: Callable[[Run], dict[str, float]], steps: int, *,
        callbacks: Iterable[Callback] = (), checkpoint_path: str | Path | None = None,
        checkpoint_every: int = 0, progress: bool | None = None) -> Run:
    """Call `step_fn(run)` until `run.step == steps`; log, guard, call back and checkpoint.

    `progress=None` shows a progress bar unless $GAN_COURSE_PROGRESS is "0" (the course runner and
    the tests set it, so executed notebooks and their HTML keep no half-finished bars).
    """
    from tqdm.auto import tqdm  # imported here so that importing the package stays instant

    if progress is None:
        progress = os.environ.get(PROGRESS_ENV, "1").strip() != "0"
    if checkpoint_every and checkpoint_path is None:
        raise ValueError("checkpoint_every is set but checkpoint_path is None: where should checkpoints go?")
    bar = tqdm(total=steps, initial=run.step, disable=not progress, leave=False, desc="training")
    started = time.perf_counter() - run.seconds
    while run.step < steps:
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
        "step": run.step, "seconds": run.seconds,
        "modules": {k: m.state_dict() for k, m in run.modules.items()},
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
    changed = [f"{k}: checkpoint {saved.get(k)!r}, now {now.get(k)!r}" for k in sorted(set(saved) | set(now))
               if k not in RESUMABLE_CHANGES and saved.get(k) != now.get(k)]
    if changed:
        raise ValueError(f"{path} was trained with another config; only {', '.join(RESUMABLE_CHANGES)} may change "
                         f"when resuming. Differences:\n  " + "\n  ".join(changed)
                         + "\nUse the checkpoint's config, or start a new run (another checkpoint_path).")
    steps = getattr(run.config, "steps", None)
    if steps is not None and state["step"] > steps:
        raise ValueError(f"{path} is at step {state['step']}, beyond this config's steps={steps}: there is nothing "
                         f"to train. Pass steps >= {state['step']} to continue the run.")
    for k, module in run.modules.items():
        checkpoints.load_state(module, state["modules"][k], what=f"checkpoint {path} ({k})")
    for k, opt in run.optimizers.items():
        opt.load_state_dict(state["optimizers"][k])
    run.batches.load_state_dict(state["batches"])
    run.history = History.from_state_dict(state["history"])
    run.step, run.seconds = state["step"], state["seconds"]
    torch.set_rng_state(state["rng"]["torch"].cpu())
    if "cuda" in state["rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["rng"]["cuda"]])
    return run


# --- The adversarial step --------------------------------------------------------------------------
def is_conditional(G: nn.Module) -> bool:
    """Conditional generators declare `num_classes > 0` and take (z, labels)."""
    return getattr(G, "num_classes", 0) > 0


def sample(G: nn.Module, n: int, *, labels: Tensor | None = None, z: Tensor | None = None,
           seed: int | None = None) -> Tensor:
    """n samples from G (in eval mode, without gradients); `seed` makes the noise reproducible."""
    device = next(G.parameters()).device
    if z is None:
        gen = None if seed is None else torch.Generator().manual_seed(seed)
        z = torch.randn(n, G.z_dim, generator=gen).to(device)
    if is_conditional(G) and labels is None:
        labels = torch.arange(n) % G.num_classes  # every class in turn
    was_training = G.training
    G.eval()
    with torch.no_grad():
        out = G(z) if labels is None else G(z, labels.to(device))
    G.train(was_training)
    return out


@torch.no_grad()
def ema_update(G_ema: nn.Module, G: nn.Module, decay: float) -> None:
    """G_ema <- decay * G_ema + (1 - decay) * G over parameters; buffers (BN stats) are copied."""
    for p_ema, p in zip(G_ema.parameters(), G.parameters()):
        p_ema.lerp_(p, 1.0 - decay)
    for b_ema, b in zip(G_ema.buffers(), G.buffers()):
        b_ema.copy_(b)


def gan_step(run: Run) -> dict[str, float]:
    """n_critic updates of D, then one update of G; returns the numbers to log."""
    cfg: TrainConfig = run.config
    G, D, opt_g, opt_d, device = run.G, run.D, run.optimizers["G"], run.optimizers["D"], run.device
    loss = get_loss(cfg.loss)
    conditional = is_conditional(G)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.amp and device.type == "cuda")
    D_of = (lambda x, c: D(x, c)) if conditional else (lambda x, c: D(x))
    G_of = (lambda z, c: G(z, c)) if conditional else (lambda z, c: G(z))
    logs: dict[str, float] = {}

    # 1) D (the critic) learns to tell real from fake, n_critic times.
    D.requires_grad_(True)
    for i in range(cfg.n_critic):
        real, labels = next(run.batches)
        real = real.to(device, non_blocking=True)
        labels = labels.to(device) if conditional else None  # fakes get the real batch's labels
        z = torch.randn(real.shape[0], G.z_dim, device=device)
        with autocast:
            fake = G_of(z, labels).detach()  # no gradient into G during D's step
            real_logits, fake_logits = D_of(real, labels).float(), D_of(fake, labels).float()
            d_loss = loss.d_loss(real_logits, fake_logits)
        total = d_loss
        if cfg.gp_lambda > 0:
            gp = gradient_penalty(D, real, fake.float(), labels, lam=cfg.gp_lambda)
            total = total + gp
            logs["gp"] = gp.item()
        d_index = run.step * cfg.n_critic + i
        if cfg.r1_gamma > 0 and d_index % cfg.r1_every == 0:
            r1 = r1_penalty(D, real, labels, gamma=cfg.r1_gamma)
            total = total + cfg.r1_every * r1  # lazy: k times the weight, every k-th step
            logs["r1"] = r1.item()
        opt_d.zero_grad(set_to_none=True)
        total.backward()
        opt_d.step()
        if cfg.clip > 0:
            clip_weights_(D, cfg.clip)

    # 2) G learns to fool the D it now faces; D is frozen so no gradient is wasted on it.
    D.requires_grad_(False)
    z = torch.randn(real.shape[0], G.z_dim, device=device)
    with autocast:
        g_loss = loss.g_loss(D_of(G_of(z, labels), labels).float())
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_g.step()
    D.requires_grad_(True)
    if run.G_ema is not None:
        ema_update(run.G_ema, G, cfg.ema_decay)

    logs.update(d_loss=d_loss.item(), g_loss=g_loss.item(),
                d_real=real_logits.mean().item(), d_fake=fake_logits.mean().item())
    return logs


def snapshot_callback(every: int, z: Tensor, labels: Tensor | None = None) -> Callback:
    """Keep G's output on the same fixed noise every `every` steps (and at step 1), on the CPU."""
    def callback(run: Run) -> None:
        if run.step == 1 or run.step % every == 0:
            run.history.snapshots.append((run.step, sample(run.generator, len(z), z=z, labels=labels).cpu()))
    return callback


def metric_callback(every: int, name: str, fn: Callable[[Run], float]) -> Callback:
    """Every `every` steps and at the last one, record (step, seconds, fn(run)) in history.metrics[name].

    `seconds` is the run's wall time at that step (including earlier evaluations), so a metric can be
    plotted against steps or against time: `metric_callback(500, "fid", lambda run: metrics.fid(...))`.
    """
    if not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be an int >= 1 (evaluate every k steps), got {every!r}")

    def callback(run: Run) -> None:
        if run.step % every == 0 or run.step == getattr(run.config, "steps", None):
            run.history.metrics.setdefault(name, []).append((run.step, run.seconds, float(fn(run))))
    return callback


def make_optimizer(params, name: str, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas)
    if name == "rmsprop":  # the WGAN paper: momentum-based optimisers destabilise the clipped critic
        return torch.optim.RMSprop(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}")


def check_samples(x, y=None, *, num_classes: int = 0, who: str = "G") -> Tensor:
    """The training samples as float32, with clear errors for what the loop cannot use.

    x must be a float tensor [N, ...] (images in [-1, 1], see `data`); float64 is converted, with a
    warning. Labels y are for conditional models only: passed to an unconditional G they would be
    ignored silently, so that is an error too.
    """
    if not isinstance(x, Tensor):
        raise ValueError(f"x must be a torch.Tensor of samples [N, ...], got {type(x).__name__}; convert it with "
                         f"torch.as_tensor(x, dtype=torch.float32), or load a dataset with data.load_dataset(name).x")
    if not x.is_floating_point():
        raise ValueError(f"x has dtype {x.dtype}, but the networks take float32 samples (images in [-1, 1]); "
                         f"for uint8 images 0..255 use x.float() / 127.5 - 1")
    if x.dim() < 2 or len(x) == 0:
        raise ValueError(f"x must hold N >= 1 samples as [N, ...] (points [N, 2], images [N, C, H, W]), "
                         f"got shape {list(x.shape)}")
    if x.dtype != torch.float32:
        warnings.warn(f"x has dtype {x.dtype}; converting it to float32, the networks' dtype", stacklevel=3)
        x = x.float()
    if y is not None and not num_classes:
        raise ValueError(f"{who} is unconditional (it takes no labels), so y= would be ignored: drop y=, or build "
                         f"a conditional model (e.g. models.build('conditional', num_classes=...))")
    if num_classes and y is None:
        raise ValueError(f"{who} is conditional ({num_classes} classes): pass the labels as y=")
    return x


def health_callback(window: int = 100, explode: float = 1e6) -> Callback:
    """Warn (once each) when training goes wrong without producing NaN, which `fit` already stops on.

    - a loss beyond `explode` in size: the run is diverging (too high a learning rate, no penalty);
    - D wins completely: over the last `window` steps D's loss is ~0 (BCE < 0.01, hinge exactly 0),
      so it rejects every fake with certainty and G's gradient is nearly useless.
    """
    warned: set[str] = set()

    def warn(kind: str, message: str) -> None:
        if kind not in warned:
            warned.add(kind)
            warnings.warn(message, RuntimeWarning, stacklevel=2)

    def callback(run: Run) -> None:
        logs = run.history.logs
        big = {k: v[-1] for k, v in logs.items() if v and abs(v[-1]) > explode}
        if big:
            warn("explode", f"step {run.step}: {', '.join(f'{k}={v:.3g}' for k, v in big.items())}: the losses are "
                            f"exploding. Lower the learning rates, or add a penalty (gp_lambda / r1_gamma).")
        loss = getattr(run.config, "loss", None)
        if loss in ("minimax", "nonsaturating", "hinge") and len(logs.get("d_loss", ())) >= window:
            recent = sum(logs["d_loss"][-window:]) / window
            if recent < (0.01 if loss != "hinge" else 1e-6):
                warn("d_wins", f"step {run.step}: D's loss averaged {recent:.2g} over the last {window} steps: D rejects "
                               f"every fake with certainty and G learns little. Lower lr_d, raise lr_g, or regularise D.")
    return callback


def train_gan(G: nn.Module, D: nn.Module, x: Tensor, cfg: TrainConfig, *, y: Tensor | None = None,
              device: str | torch.device = "cpu", callbacks: Iterable[Callback] = (),
              checkpoint_path: str | Path | None = None, checkpoint_every: int = 0,
              resume: bool = False, progress: bool | None = None) -> Run:
    """Train G against D on the samples `x` (labels `y` for conditional models); returns the Run.

    With `resume=True` and an existing `checkpoint_path`, training continues from that checkpoint
    and ends at exactly the weights an uninterrupted run would have reached (on a CPU).
    """
    from .runtime import get_device

    if not isinstance(cfg, TrainConfig):
        raise ValueError(f"cfg must be a TrainConfig, got {type(cfg).__name__}")
    device = get_device(device)
    x = check_samples(x, y, num_classes=getattr(G, "num_classes", 0), who=type(G).__name__)
    G, D = G.to(device), D.to(device)
    modules = {"G": G, "D": D}
    if cfg.ema_decay > 0:
        modules["G_ema"] = copy.deepcopy(G).eval().requires_grad_(False)
    optimizers = {"G": make_optimizer(G.parameters(), cfg.optimizer, cfg.lr_g, cfg.betas),
                  "D": make_optimizer(D.parameters(), cfg.optimizer, cfg.lr_d, cfg.betas)}
    run = Run(modules, optimizers, Batches(x, y, cfg.batch_size, seed=cfg.seed), cfg, device)
    if resume and checkpoint_path is not None and Path(checkpoint_path).exists():
        resume_run(run, checkpoint_path)

    # Fixed noise from its own generator: snapshots never disturb the training's random stream.
    every = cfg.snapshot_every or max(1, cfg.steps // 8)
    fixed_z = torch.randn(cfg.n_snapshot, G.z_dim, generator=torch.Generator().manual_seed(cfg.seed)).to(device)
    fixed_labels = (torch.arange(cfg.n_snapshot) % G.num_classes).to(device) if is_conditional(G) else None
    callbacks = [snapshot_callback(every, fixed_z, fixed_labels), health_callback(), *callbacks]
    return fit(run, gan_step, cfg.steps, callbacks=callbacks, checkpoint_path=checkpoint_path,
               checkpoint_every=checkpoint_every, progress=progress)
