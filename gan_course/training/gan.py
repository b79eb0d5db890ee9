"""The adversarial step and `train_gan`: every GAN of the course trains through these.

`gan_step` makes `n_critic` updates of D, then one of G, with the loss pair, penalties and
regularisers named in the `TrainConfig`. Chapters change the *config*, never the loop:

    WGAN-GP (ch. 03)    loss="wasserstein", n_critic=5, gp_lambda=10, betas=(0, 0.9)
    ProGAN (ch. 05)     + drift=0.001, and a growth schedule among the `before_step` callbacks
    BigGAN (ch. 06)     loss="hinge", n_critic=2, ortho_beta=1e-4, ema_decay=0.999, ema_start (G_ema = G before it)
    StyleGAN2 (ch. 08)  r1_gamma, r1_every=16, pl_weight=2, pl_every=4 (lazy regularisation)
    SRGAN (ch. 09)      paired=True, adv_weight=1e-3, and a content loss (`train_gan(content_loss=...)`)

Generators come in three kinds: G(z), conditional G(z, labels) (`num_classes > 0`: the fakes get the
real batch's labels), and paired G(source) (`paired=True`: the data are (target, source) pairs, e.g.
high- and low-resolution images, and G may return (image, aux_loss), as a VQ autoencoder does).
"""
from __future__ import annotations

import contextlib
import copy
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import torch
from torch import Tensor, nn

from .. import checks
from ..losses import (clip_weights_, get_loss, gradient_penalty, orthogonal_penalty, path_length_penalty,
                      r1_penalty)
from .loop import Batches, Callback, Run, fit, start_or_resume

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
    lr_decay_start: float = 1.0     # both lrs fall linearly to 0 from this fraction of `steps` on; 1 = constant
    gp_lambda: float = 0.0          # WGAN-GP penalty weight (10 in the paper); 0 = off
    drift: float = 0.0              # ProGAN: + drift * E[D(x)^2] keeps the critic's output near 0 (0.001)
    r1_gamma: float = 0.0           # R1 penalty weight; 0 = off
    r1_every: int = 1               # lazy R1: every k D steps, k times the weight, as its own optimiser step
    clip: float = 0.0               # WGAN weight clipping to [-clip, clip]; 0 = off
    pl_weight: float = 0.0          # StyleGAN2's path-length penalty weight (2); 0 = off
    pl_every: int = 4               # lazy path-length penalty: every k G steps, k times the weight
    pl_decay: float = 0.01          # running mean of the path lengths: a <- a + decay * (mean - a)
    pl_batch_shrink: int = 2        # the penalty's batch is batch_size // pl_batch_shrink (StyleGAN2: 2)
    ortho_beta: float = 0.0         # BigGAN's orthogonal regularisation of G's weights (1e-4); 0 = off
    paired: bool = False            # image-to-image: batches are (target, source), G(source) imitates target
    adv_weight: float = 1.0         # G's loss = adv_weight * adversarial + content loss (SRGAN: 1e-3)
    ema_decay: float = 0.0          # keep G_ema with this decay (e.g. 0.999); 0 = no EMA
    ema_start: int = 0              # G_ema = G for the first ema_start steps, then the EMA (BigGAN's ema_start)
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
        checks.number("lr_decay_start (fraction of the steps)", self.lr_decay_start, minimum=0, maximum=1)
        checks.number("gp_lambda (gradient-penalty weight)", self.gp_lambda, minimum=0)
        checks.number("drift (ProGAN's drift weight)", self.drift, minimum=0)
        checks.number("r1_gamma", self.r1_gamma, minimum=0)
        checks.integer("r1_every (lazy regularisation interval)", self.r1_every)
        checks.number("clip (weight clipping value; 0 = off)", self.clip, minimum=0)
        checks.number("pl_weight (path-length penalty weight)", self.pl_weight, minimum=0)
        checks.integer("pl_every (lazy regularisation interval)", self.pl_every)
        checks.number("pl_decay", self.pl_decay, minimum=0, maximum=1)
        checks.integer("pl_batch_shrink", self.pl_batch_shrink)
        checks.number("ortho_beta (orthogonal regularisation)", self.ortho_beta, minimum=0)
        if not isinstance(self.paired, bool):
            raise ValueError(f"paired must be True or False, got {self.paired!r}")
        if self.paired and self.n_critic != 1:
            raise ValueError(f"paired training makes one D step per G step (one G(source) serves both), "
                             f"got n_critic={self.n_critic}")
        checks.number("adv_weight", self.adv_weight, minimum=0)
        checks.number("ema_decay", self.ema_decay, minimum=0, below=1)
        checks.integer("ema_start (G steps with G_ema = G)", self.ema_start, minimum=0)
        if self.ema_start and not self.ema_decay:
            raise ValueError(f"ema_start={self.ema_start} needs an EMA: set ema_decay > 0 (e.g. 0.999), or ema_start=0")
        checks.integer("snapshot_every (0 = 8 snapshots)", self.snapshot_every, minimum=0)
        checks.integer("n_snapshot", self.n_snapshot)
        checks.integer("seed", self.seed, minimum=0)


# --- Generators and what to do with them -------------------------------------------------------------
def is_conditional(G: nn.Module) -> bool:
    """Conditional generators declare `num_classes > 0` and take (z, labels)."""
    return getattr(G, "num_classes", 0) > 0


def _image(out) -> Tensor:
    """A generator's image: paired models may return (image, aux_loss)."""
    return out[0] if isinstance(out, tuple) else out


def sample(G: nn.Module, n: int, *, labels: Tensor | None = None, z: Tensor | None = None,
           seed: int | None = None) -> Tensor:
    """n samples from G (in eval mode, without gradients); `seed` makes the noise reproducible.

    For a paired model pass its input as `z` (e.g. the low-resolution images).
    """
    device = next(G.parameters()).device
    if z is None:
        gen = None if seed is None else torch.Generator().manual_seed(seed)
        z = torch.randn(n, G.z_dim, generator=gen).to(device)
    if is_conditional(G) and labels is None:
        labels = torch.arange(n) % G.num_classes  # every class in turn
    was_training = G.training
    G.eval()
    with torch.no_grad():
        out = _image(G(z) if labels is None else G(z, labels.to(device)))
    G.train(was_training)
    return out


@torch.no_grad()
def ema_update(G_ema: nn.Module, G: nn.Module, decay: float) -> None:
    """G_ema <- decay * G_ema + (1 - decay) * G over parameters; buffers (BN stats) are copied.

    Spectral norm's power-iteration vectors u, v are the exception: G_ema's weights are not G's, so
    copying G's u, v would estimate sigma(W_ema) as u_G^T W_ema v_G, below the true sigma (the normalised
    weights would exceed norm 1). G_ema keeps its own u, v and takes one power-iteration step on its own
    weights after each update, so they follow W_ema as G's follow W. (BigGAN's code instead averages u
    in the EMA and runs one power iteration in every forward pass, eval included: layers.py `SN.W_`,
    utils.py `ema.update`.) With decay = 0 G_ema becomes G exactly, u and v included.
    """
    for p_ema, p in zip(G_ema.parameters(), G.parameters()):
        p_ema.lerp_(p, 1.0 - decay)
    own = set() if decay == 0 else {id(b) for b in _spectral_norm_buffers(G_ema)}
    for b_ema, b in zip(G_ema.buffers(), G.buffers()):
        if id(b_ema) not in own:
            b_ema.copy_(b)
    if own:
        for module, norm in _spectral_norms(G_ema):
            norm._power_method(norm._reshape_weight_to_matrix(module.parametrizations.weight.original), 1)


def _spectral_norms(model: nn.Module):
    """(module, its spectral-norm parametrization) for every weight normalised by torch's spectral_norm."""
    from torch.nn.utils import parametrize
    from torch.nn.utils.parametrizations import _SpectralNorm

    for module in model.modules():
        if parametrize.is_parametrized(module, "weight"):
            for norm in module.parametrizations.weight:
                if isinstance(norm, _SpectralNorm) and module.parametrizations.weight.original.ndim > 1:
                    yield module, norm


def _spectral_norm_buffers(model: nn.Module) -> list[Tensor]:
    return [b for _, norm in _spectral_norms(model) for b in (norm._u, norm._v)]


def ema_decay_at(cfg: "TrainConfig", step: int) -> float:
    """The EMA decay for G step number `step` (1, 2, ...): 0 (G_ema = G) up to `ema_start`, then `ema_decay`,
    as BigGAN's code pegs the EMA to G before its `ema_start` (utils.py `ema.update`)."""
    return 0.0 if step <= cfg.ema_start else cfg.ema_decay


def lazy_adam(lr: float, betas: tuple[float, float], every: int) -> tuple[float, tuple[float, float]]:
    """Adam's settings for a network regularised lazily every k steps (StyleGAN2, sec. 3.1, and its code).

    The regulariser takes its own optimiser step, so the network makes k + 1 steps per k minibatches;
    with c = k / (k + 1), lr * c and beta ** c keep the learning rate and the moments' decay *per
    minibatch* what they were (beta ** c applied k + 1 times is beta ** k). k = 1: unchanged.
    """
    checks.integer("every (the lazy regularisation interval, 1 = every step)", every)
    c = every / (every + 1) if every > 1 else 1.0
    return lr * c, (betas[0] ** c, betas[1] ** c)


def make_optimizer(params, name: str, lr: float, betas: tuple[float, float], lazy_every: int = 1) -> torch.optim.Optimizer:
    """Adam or RMSprop. With lazy regularisation every k steps the network takes k + 1 optimiser steps
    per k minibatches, so StyleGAN2 scales Adam's lr and betas by c = k / (k + 1): see `lazy_adam`."""
    lr, betas = lazy_adam(lr, betas, lazy_every)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas)
    if name == "rmsprop":  # the WGAN paper: momentum-based optimisers destabilise the clipped critic
        return torch.optim.RMSprop(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}")


def lr_factor(cfg: TrainConfig, step: int) -> float:
    """What the learning rates are multiplied by for generator step `step` (the steps done before it): 1 until
    `lr_decay_start * steps`, then linearly down towards 0 at `steps` (as CycleGAN trains, arXiv:1703.10593).
    Lowering the lr at the end of a run settles G where it stands instead of letting it swing on."""
    start = cfg.lr_decay_start * cfg.steps
    if step <= start:
        return 1.0
    return max(0.0, (cfg.steps - step) / (cfg.steps - start))


def _schedule_lr(run: Run) -> None:
    """Set every optimiser's lr for this step: its first lr (kept in the param group as "initial_lr", as
    torch's schedulers do; lazy regularisation's adjusted lr included) times `lr_factor`. The lr is a pure
    function of the step, so checkpoints need nothing more for an exact resume (a resume that changes
    `steps` also moves the decay)."""
    factor = lr_factor(run.config, run.step)
    for opt in run.optimizers.values():
        for group in opt.param_groups:
            group["lr"] = group.setdefault("initial_lr", group["lr"]) * factor


def _optimise(opt: torch.optim.Optimizer, loss: Tensor) -> None:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


# --- The adversarial step --------------------------------------------------------------------------
def gan_step(run: Run) -> dict[str, float]:
    """n_critic updates of D, then one update of G; returns the numbers to log."""
    cfg: TrainConfig = run.config
    G, device = run.G, run.device
    autocast = _autocast(run)
    labels = aux = fake = None
    logs: dict[str, float] = {}
    if cfg.lr_decay_start < 1:
        _schedule_lr(run)

    # 1) D (the critic) learns to tell real from fake, n_critic times.
    run.D.requires_grad_(True)
    for i in range(cfg.n_critic):
        real, y = next(run.batches)
        real = real.to(device, non_blocking=True)
        if run.transform_real is not None:
            real = run.transform_real(real)  # e.g. ProGAN's fade of the real images to the current resolution
        if cfg.paired:  # y is G's input; one G(source) serves D's step (detached) and G's step
            source = y.to(device)
            with autocast:
                fake, aux = _split(G(source))
            fake_for_d = fake.detach()
        else:
            labels = y.to(device) if is_conditional(G) else None  # fakes get the real batch's labels
            z = torch.randn(real.shape[0], G.z_dim, device=device)
            with torch.no_grad(), autocast:  # no gradient into G during D's step
                fake_for_d = G(z) if labels is None else G(z, labels)
        logs.update(discriminator_update(run, real, fake_for_d.float(), labels, d_index=run.step * cfg.n_critic + i))

    # 2) G learns to fool the D it now faces; D is frozen so no gradient is wasted on it.
    run.D.requires_grad_(False)
    if not cfg.paired:
        z = torch.randn(real.shape[0], G.z_dim, device=device)
        with autocast:
            fake = G(z) if labels is None else G(z, labels)
    logs.update(generator_update(run, fake, labels, real=real, aux=aux))
    run.D.requires_grad_(True)
    if run.G_ema is not None:
        ema_update(run.G_ema, G, ema_decay_at(cfg, run.step + 1))
    return logs


def _autocast(run: Run):
    """bfloat16 autocast on CUDA when the config asks for it (`amp=True`); a no-op elsewhere."""
    if not (run.config.amp and run.device.type == "cuda"):
        return contextlib.nullcontext()  # torch.autocast(enabled=False) still refuses devices it has no kernels for
    return torch.autocast(run.device.type, dtype=torch.bfloat16)


def _split(out) -> tuple[Tensor, Tensor | None]:
    return out if isinstance(out, tuple) else (out, None)


def _critic(D: nn.Module, x: Tensor, labels: Tensor | None) -> Tensor:
    return (D(x) if labels is None else D(x, labels)).float()


def discriminator_update(run: Run, real: Tensor, fake: Tensor, labels: Tensor | None, d_index: int) -> dict[str, float]:
    """One optimiser step of D on a real and a (detached) fake batch, with the config's penalties."""
    cfg: TrainConfig = run.config
    D, opt = run.D, run.optimizers["D"]
    with _autocast(run):
        real_logits, fake_logits = _critic(D, real, labels), _critic(D, fake, labels)
        d_loss = get_loss(cfg.loss).d_loss(real_logits, fake_logits)
    logs = {"d_loss": d_loss.item(), "d_real": real_logits.mean().item(), "d_fake": fake_logits.mean().item()}
    total = d_loss
    if cfg.gp_lambda > 0:
        gp = gradient_penalty(D, real, fake, labels, lam=cfg.gp_lambda)
        total, logs["gp"] = total + gp, gp.item()
    if cfg.drift > 0:
        drift = cfg.drift * real_logits.square().mean()  # ProGAN's epsilon_drift * E[D(x)^2]
        total, logs["drift"] = total + drift, drift.item()
    r1_now = cfg.r1_gamma > 0 and d_index % cfg.r1_every == 0
    if r1_now and cfg.r1_every == 1:
        r1 = r1_penalty(D, real, labels, gamma=cfg.r1_gamma)
        total, logs["r1"] = total + r1, r1.item()
    _optimise(opt, total)
    if r1_now and cfg.r1_every > 1:  # lazy: its own step every k D steps, k times the weight (StyleGAN2)
        r1 = r1_penalty(D, real, labels, gamma=cfg.r1_gamma)
        _optimise(opt, cfg.r1_every * r1)
        logs["r1"] = r1.item()
    if cfg.clip > 0:
        clip_weights_(D, cfg.clip)
    return logs


def generator_update(run: Run, fake: Tensor, labels: Tensor | None, *, real: Tensor | None = None,
                     aux: Tensor | None = None) -> dict[str, float]:
    """One optimiser step of G: adversarial loss (+ content loss, aux loss, regularisers)."""
    cfg: TrainConfig = run.config
    G, opt = run.G, run.optimizers["G"]
    with _autocast(run):
        g_loss = get_loss(cfg.loss).g_loss(_critic(run.D, fake, labels))
    logs = {"g_loss": g_loss.item()}
    total = cfg.adv_weight * g_loss
    if run.content_loss is not None:  # e.g. SRGAN's feature loss between G(source) and the target
        content = run.content_loss(fake.float(), real)  # float32: under amp, G's bf16 output meets fp32 features
        total, logs["content"] = total + content, content.item()
    if aux is not None:  # a loss the generator computed itself, e.g. a VQ autoencoder's codebook terms
        total, logs["aux"] = total + aux, aux.item()
    if cfg.ortho_beta > 0:
        ortho = orthogonal_penalty(G, cfg.ortho_beta)
        total, logs["ortho"] = total + ortho, ortho.item()
    pl_now = cfg.pl_weight > 0 and run.step % cfg.pl_every == 0
    if pl_now and cfg.pl_every == 1:
        pl = path_length_regulariser(run)
        total, logs["pl"] = total + pl, pl.item()
    _optimise(opt, total)
    if pl_now and cfg.pl_every > 1:  # lazy: its own step every k G steps, k times the weight
        pl = path_length_regulariser(run)
        _optimise(opt, cfg.pl_every * pl)
        logs["pl"] = pl.item()
    if "pl_mean" in run.state:
        logs["pl_mean"] = run.state["pl_mean"]
    return logs


def path_length_regulariser(run: Run) -> Tensor:
    """pl_weight * StyleGAN2's path-length penalty on a fresh half batch; updates run.state["pl_mean"].

    Needs a style generator: `G.mapping(z) -> w [B, w_dim]`, `G.num_ws`, `G.synthesis(ws [B, num_ws, w_dim])`.
    """
    cfg: TrainConfig = run.config
    G = run.G
    z = torch.randn(max(1, cfg.batch_size // cfg.pl_batch_shrink), G.z_dim, device=run.device)
    ws = G.mapping(z).unsqueeze(1).repeat(1, G.num_ws, 1)  # [B, num_ws, w_dim]: one w for every layer
    if not ws.requires_grad:  # a mapping without parameters: differentiate with respect to w itself
        ws.requires_grad_(True)
    penalty, run.state["pl_mean"] = path_length_penalty(G.synthesis(ws), ws, run.state.get("pl_mean", 0.0),
                                                        cfg.pl_decay)
    return cfg.pl_weight * penalty


# --- Callbacks every GAN run gets ------------------------------------------------------------------------
def snapshot_callback(every: int, z: Tensor, labels: Tensor | None = None) -> Callback:
    """Keep G's output on the same fixed noise every `every` steps (and at step 1), on the CPU."""
    def callback(run: Run) -> None:
        if run.step == 1 or run.step % every == 0:
            run.history.snapshots.append((run.step, sample(run.generator, len(z), z=z, labels=labels).cpu()))
    return callback


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


# --- Training a GAN ------------------------------------------------------------------------------------
def check_samples(x, y=None, *, num_classes: int = 0, paired: bool = False, who: str = "G") -> Tensor:
    """The training samples as float32, with clear errors for what the loop cannot use.

    x must be a float tensor [N, ...] (images in [-1, 1], see `data`); float64 is converted, with a
    warning. Labels y are for conditional models only: passed to an unconditional G they would be
    ignored silently, so that is an error too. Paired models need y: G's inputs.
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
    _check_finite("x", x)
    if isinstance(y, Tensor) and y.is_floating_point():
        _check_finite("y", y)
    if paired:
        if y is None:
            raise ValueError("paired training needs G's inputs as y= (e.g. the low-resolution images), one per target in x")
    elif y is not None and not num_classes:
        raise ValueError(f"{who} is unconditional (it takes no labels), so y= would be ignored: drop y=, or build "
                         f"a conditional model (e.g. models.build('conditional', num_classes=...))")
    elif num_classes and y is None:
        raise ValueError(f"{who} is conditional ({num_classes} classes): pass the labels as y=")
    return x


def _check_finite(name: str, t: Tensor) -> None:
    """NaN or inf in the training data would surface steps later as "training diverged": say so now."""
    bad = ~torch.isfinite(t.reshape(len(t), -1)).all(dim=1) if len(t) else torch.zeros(0, dtype=torch.bool)
    if bad.any():
        where = bad.nonzero().flatten()
        raise ValueError(f"{name} holds NaN or inf values in {len(where)} of its {len(t)} samples (the first: sample "
                         f"{where[0].item()}): the training data must be finite; drop those samples "
                         f"({name}[torch.isfinite({name}).flatten(1).all(1)]) or fix how they were loaded")


def train_gan(G: nn.Module, D: nn.Module, x: Tensor, cfg: TrainConfig, *, y: Tensor | None = None,
              device: str | torch.device = "cpu", callbacks: Iterable[Callback] = (),
              before_step: Iterable[Callback] = (), content_loss: Callable[[Tensor, Tensor], Tensor] | None = None,
              checkpoint_path: str | Path | None = None, checkpoint_every: int = 0,
              resume: bool = False, progress: bool | None = None, pretrained=None) -> Run:
    """Train G against D on the samples `x` (labels `y` for conditional models, G's inputs `y` for
    paired ones, with an optional `content_loss(fake, target)`); returns the Run.

    `before_step` callbacks run before every step (e.g. a growth schedule); `callbacks` after it.
    With `resume=True` and an existing `checkpoint_path`, training continues from that checkpoint
    and ends at exactly the weights an uninterrupted run would have reached (on a CPU).
    `pretrained=shelf` (a `stored_runs.Shelf`): load the course's stored run of exactly this training
    instead, when there is one (same configs, initial weights, data and random state); else train.
    """
    from ..runtime import get_device

    if not isinstance(cfg, TrainConfig):
        raise ValueError(f"cfg must be a TrainConfig, got {type(cfg).__name__}")
    device = get_device(device)
    x = check_samples(x, y, num_classes=getattr(G, "num_classes", 0), paired=cfg.paired, who=type(G).__name__)
    if cfg.pl_weight > 0 and not all(hasattr(G, a) for a in ("mapping", "synthesis", "num_ws")):
        raise ValueError(f"pl_weight > 0 needs a style generator with mapping, synthesis and num_ws; "
                         f"{type(G).__name__} has not")
    if content_loss is not None and not cfg.paired:
        raise ValueError("content_loss compares G(source) with its target: it needs paired=True in the TrainConfig")
    G, D = G.to(device), D.to(device)
    modules = {"G": G, "D": D}
    if cfg.ema_decay > 0:
        modules["G_ema"] = copy.deepcopy(G).eval().requires_grad_(False)
    lazy_g = cfg.pl_every if cfg.pl_weight > 0 else 1
    lazy_d = cfg.r1_every if cfg.r1_gamma > 0 else 1
    optimizers = {"G": make_optimizer(G.parameters(), cfg.optimizer, cfg.lr_g, cfg.betas, lazy_g),
                  "D": make_optimizer(D.parameters(), cfg.optimizer, cfg.lr_d, cfg.betas, lazy_d)}
    run = Run(modules, optimizers, Batches(x, y, cfg.batch_size, seed=cfg.seed), cfg, device,
              content_loss=content_loss)
    start_or_resume(run, checkpoint_path, resume)

    # Fixed inputs from their own generator: snapshots never disturb the training's random stream.
    every = cfg.snapshot_every or max(1, cfg.steps // 8)
    if cfg.paired:
        fixed_z, fixed_labels = y[:cfg.n_snapshot].to(device), None  # the first sources, always the same
    else:
        fixed_z = torch.randn(cfg.n_snapshot, G.z_dim, generator=torch.Generator().manual_seed(cfg.seed)).to(device)
        fixed_labels = (torch.arange(cfg.n_snapshot) % G.num_classes).to(device) if is_conditional(G) else None
    callbacks = [snapshot_callback(every, fixed_z, fixed_labels), health_callback(), *callbacks]

    def train() -> Run:
        return fit(run, gan_step, cfg.steps, callbacks=callbacks, before_step=before_step,
                   checkpoint_path=checkpoint_path, checkpoint_every=checkpoint_every, progress=progress)
    return train() if pretrained is None or pretrained is False else _shelf(pretrained, resume).fit(run, train, x, y)


def _shelf(pretrained, resume: bool):
    """The `pretrained=` argument of train_gan / train_model: None or a `stored_runs.Shelf`."""
    from ..stored_runs import Shelf

    if not isinstance(pretrained, Shelf):
        raise ValueError(f"pretrained must be None or a shelf from stored_runs.open_shelf(chapter, preset, seed, mode), "
                         f"got {pretrained!r}")
    if resume:
        raise ValueError("resume=True continues your own checkpoint; pretrained= loads the course's stored run: "
                         "use one of them")
    return pretrained
