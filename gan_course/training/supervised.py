"""Non-adversarial training through the same loop: SRResNet on pixel MSE (ch. 09), a VQ-VAE and the
prior over its codes (ch. 10). One model, one optimiser, one loss function; `fit` does the rest
(history, NaN guard, callbacks, checkpoints and exact resume), exactly as for a GAN.

    run = train_model(srresnet, lambda model, hr, lr: F.mse_loss(model(lr), hr), hr_images,
                      FitConfig(steps=2000, batch_size=16, lr=1e-4), y=lr_images)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import torch
from torch import Tensor, nn

from .. import checks
from .gan import _shelf
from .loop import Batches, Callback, Run, fit, start_or_resume

# loss_fn(model, x, y) -> loss, or (loss, {name: number to log})
LossFn = Callable[[nn.Module, Tensor, "Tensor | None"], "Tensor | tuple[Tensor, dict[str, float]]"]


@dataclass
class FitConfig:
    """How to train one model on one loss with Adam."""

    steps: int = 1000
    batch_size: int = 64
    lr: float = 2e-4
    betas: tuple[float, float] = (0.9, 0.999)
    seed: int = 0                   # data order (weight init is seeded by the caller)
    lr_milestones: tuple[int, ...] = ()  # step decay: lr * lr_gamma ** (milestones passed), e.g. (8000,)
    lr_gamma: float = 0.1

    def __post_init__(self):
        checks.integer("steps", self.steps)
        checks.integer("batch_size", self.batch_size)
        checks.number("lr", self.lr, minimum=0)
        self.lr_milestones = tuple(checks.integer("lr_milestones[i] (a step)", m) for m in self.lr_milestones)
        checks.number("lr_gamma", self.lr_gamma, minimum=0, maximum=1)
        if not (isinstance(self.betas, (tuple, list)) and len(self.betas) == 2):
            raise ValueError(f"betas must be a pair (beta1, beta2) of Adam's decay rates, got {self.betas!r}")
        for i, beta in enumerate(self.betas):
            checks.number(f"betas[{i}] (Adam's decay rate)", beta, minimum=0, below=1)
        self.betas = tuple(float(b) for b in self.betas)
        checks.integer("seed", self.seed, minimum=0)


def supervised_step(loss_fn: LossFn) -> Callable[[Run], dict[str, float]]:
    """A step function for `fit`: one batch, one loss, one optimiser step; logs "loss" and loss_fn's extras."""
    def step(run: Run) -> dict[str, float]:
        x, y = next(run.batches)
        x, y = x.to(run.device, non_blocking=True), None if y is None else y.to(run.device, non_blocking=True)
        out = loss_fn(run.model, x, y)
        loss, extras = out if isinstance(out, tuple) else (out, {})
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            got = f"a tensor of shape {list(loss.shape)}" if isinstance(loss, Tensor) else type(loss).__name__
            raise ValueError(f"loss_fn must return one number, a scalar tensor (e.g. its .mean()), or (loss, logs); "
                             f"got {got}")
        opt = run.optimizers["model"]
        cfg = run.config
        if cfg.lr_milestones:  # a pure function of the step: nothing more to checkpoint for an exact resume
            for group in opt.param_groups:
                group["lr"] = cfg.lr * cfg.lr_gamma ** sum(run.step >= m for m in cfg.lr_milestones)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return {"loss": loss.item(), **{k: float(v) for k, v in extras.items()}}
    return step


def _check_inputs(x, y, who: str) -> Tensor:
    """Float samples, checked as for a GAN; or integer tokens [N, ...], e.g. the code grids a prior learns."""
    from .gan import check_samples

    if isinstance(x, Tensor) and x.dtype in (torch.int64, torch.int32, torch.int16, torch.uint8):
        if x.dim() < 2 or len(x) == 0:
            raise ValueError(f"x must hold N >= 1 samples as [N, ...] (e.g. code grids [N, h, w]), got shape {list(x.shape)}")
        return x
    return check_samples(x, y, paired=y is not None, who=who)


def train_model(model: nn.Module, loss_fn: LossFn, x: Tensor, cfg: FitConfig, *, y: Tensor | None = None,
                device: str | torch.device = "cpu", callbacks: Iterable[Callback] = (),
                checkpoint_path: str | Path | None = None, checkpoint_every: int = 0, resume: bool = False,
                progress: bool | None = None, pretrained=None) -> Run:
    """Train `model` to minimise `loss_fn(model, x_batch, y_batch)` through `fit`; returns the Run.

    x: float samples [N, ...], or integer tokens [N, ...] (a prior over a VQ-VAE's code grids, ch. 10).
    `pretrained=shelf`: load the course's stored run of exactly this training instead, as `train_gan` does.
    """
    from ..runtime import get_device

    if not isinstance(cfg, FitConfig):
        raise ValueError(f"cfg must be a FitConfig, got {type(cfg).__name__}")
    device = get_device(device)
    x = _check_inputs(x, y, who=type(model).__name__)
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=cfg.betas)
    run = Run({"model": model}, {"model": optimizer}, Batches(x, y, cfg.batch_size, seed=cfg.seed), cfg, device)
    start_or_resume(run, checkpoint_path, resume)

    def train() -> Run:
        return fit(run, supervised_step(loss_fn), cfg.steps, callbacks=callbacks, checkpoint_path=checkpoint_path,
                   checkpoint_every=checkpoint_every, progress=progress)
    return train() if pretrained is None or pretrained is False else _shelf(pretrained, resume).fit(run, train, x, y)
