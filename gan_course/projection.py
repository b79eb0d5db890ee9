"""Projecting images into a style generator's latent space: StyleGAN2's section 5 (Karras et al.,
"Analyzing and Improving the Image Quality of StyleGAN", arXiv:1912.04958). Chapter 08.

Given a target image x, find the styles whose image is closest to it:

    ws* = argmin_ws  ||g(ws) - x||^2 / n_pixels  +  lambda * d(g(ws), x)

by gradient descent (Adam) on ws, starting from the average w (`G.w_avg`, the centre of W, where the
generator is best). `space="w"` optimises ONE w shared by every layer (the paper's projection: the
result is a point G can reach by its mapping network); `space="w+"` gives each layer its own w, a
larger space (Abdal et al., "Image2StyleGAN", arXiv:1904.03189) that fits a target more closely but
leaves the distribution G was trained on. d is a perceptual distance (the paper: LPIPS on VGG16; the
course: squared distance between unit-normalised features of its classifier, as in the chapter 07
path length). The noise inputs are fixed ("none" by default): the authors also optimise the noise
maps, with a regulariser that keeps them noise-like; we leave that out to keep the lesson on w.

The per-sample losses are *summed*, and Adam works element by element, so projecting a batch gives
each image the same result as projecting it alone.

How this differs from the authors' projector (NVlabs/stylegan2-ada-pytorch, projector.py:30-36, 82-102;
the chapter's notebook says the same where it teaches projection):
- their loss is LPIPS alone (`dist = (target_features - synth_features).square().sum()`, line 102), no
  pixel MSE; ours adds the pixel term because our perceptual features (a small digit/garment
  classifier's) are far coarser than VGG16's;
- they add noise to w that ramps down, w_std * 0.05 * max(0, 1 - t / 0.75)^2 (line 82), to explore
  early on; we add none;
- their learning rate is 0.1 with a linear ramp-up over the first 5 % of the steps and a cosine
  ramp-down over the last 25 % (lines 83-86); ours is constant (`lr`, 0.05 by default);
- their start is the mean of 10,000 mapped z's (w_avg_samples, line 30); ours is the running average
  `G.w_avg` kept during training;
- they also optimise the noise maps, with a regulariser (weight 1e5) that keeps them noise-like;
  we keep the noise fixed.

Devices: the feature extractor may live on another device than G and the images (the course's
classifier loads on the CPU). When `features` is a module or a module's method, the images go to
that module's device for the features, and the features come back to the images' device.
"""
from __future__ import annotations

import itertools
from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import checks
from .models.stylegan import broadcast

SPACES = ("w", "w+")


class Projection(NamedTuple):
    ws: Tensor                          # [B, num_ws, w_dim]: the projected styles (detached)
    images: Tensor                      # [B, C, H, W]: g(ws), the reconstruction
    losses: list[float]                 # the total loss per step (summed over the batch)
    snapshots: list[tuple[int, Tensor]]  # (step, g(ws) at that step) at step 0 and every `snapshot_every`


def reconstruction_error(images: Tensor, target: Tensor) -> Tensor:
    """Mean squared pixel error per image: [B, C, H, W] x2 -> [B]."""
    return (images - target).square().flatten(1).mean(1)


def extractor_device(features) -> torch.device | None:
    """The device of a feature extractor's weights: of a module, or of the module whose method it is
    (e.g. `clf._features`); None when it cannot be told (a plain function: it handles devices itself)."""
    module = features if isinstance(features, nn.Module) else getattr(features, "__self__", None)
    if isinstance(module, nn.Module):
        for tensor in itertools.chain(module.parameters(), module.buffers()):
            return tensor.device
    return None


def projection_loss(images: Tensor, target: Tensor, features: Callable[[Tensor], Tensor] | None = None,
                    feature_weight: float = 1.0) -> Tensor:
    """Per image: pixel MSE + feature_weight * ||f(x)/|f(x)| - f(t)/|f(t)|||^2 (unit-normalised features). -> [B].

    The features are computed on the extractor's device (`extractor_device`) and the loss comes back on
    the images' device, so a classifier on the CPU can score images on a GPU (gradients flow through)."""
    loss = reconstruction_error(images, target)
    if features is not None and feature_weight > 0:
        device = extractor_device(features)
        x, t = (images, target) if device is None else (images.to(device), target.to(device))
        fx, ft = F.normalize(features(x), dim=1), F.normalize(features(t), dim=1)
        loss = loss + feature_weight * (fx - ft).square().sum(1).to(loss.device)
    return loss


def check_target(target: Tensor) -> None:
    """Projection targets are images in G's range [-1, 1]: NaN/inf or 0-255 images are an error, not a
    silent fit to a saturated or NaN loss."""
    if not torch.isfinite(target).all():
        raise ValueError("target contains NaN or inf values; projection needs finite images with values in [-1, 1]")
    lo, hi = target.min().item(), target.max().item()
    if lo < -1 - 1e-3 or hi > 1 + 1e-3:
        hint = " (0-255 images: use x / 127.5 - 1; 0-1 images: x * 2 - 1)" if hi > 1 else ""
        raise ValueError(f"target must be images with values in [-1, 1] (G's output range), got values in "
                         f"[{lo:.4g}, {hi:.4g}]{hint}")


def project(G: nn.Module, target: Tensor, *, space: str = "w", steps: int = 100, lr: float = 0.05,
            features: Callable[[Tensor], Tensor] | None = None, feature_weight: float = 1.0, noise="none",
            snapshot_every: int = 0) -> Projection:
    """Project `target` [B, C, H, W] (images in [-1, 1] of G's size) into G's W ("w") or W+ ("w+").

    G is any style generator (`mapping`, `synthesis`, `num_ws`, `w_avg`); it is used in eval mode and
    not changed. `features`: a *differentiable* feature extractor for the perceptual term (None: pixels
    only). Deterministic on a CPU: no random numbers are drawn (with noise="none" or fixed maps).
    """
    checks.choice("space", space, SPACES)
    checks.integer("steps (optimisation steps)", steps)
    checks.number("lr", lr, minimum=0)
    checks.number("feature_weight", feature_weight, minimum=0)
    checks.integer("snapshot_every (0 = 8 snapshots)", snapshot_every, minimum=0)
    missing = [a for a in ("mapping", "synthesis", "num_ws", "w_avg") if not hasattr(G, a)]
    if missing:
        raise ValueError(f"project needs a style generator (mapping, synthesis, num_ws, w_avg); "
                         f"{type(G).__name__} lacks {', '.join(missing)}")
    was_training = G.training
    G.eval()
    try:
        w_avg = G.w_avg.detach()
        with torch.no_grad():
            start = G.synthesis(broadcast(w_avg[None], G.num_ws), noise=noise)        # [1, C, H, W]
        if not isinstance(target, Tensor) or target.dim() != 4 or target.shape[1:] != start.shape[1:]:
            shape = list(target.shape) if isinstance(target, Tensor) else type(target).__name__
            raise ValueError(f"target must be images [B, {', '.join(map(str, start.shape[1:]))}] (G's output size), "
                             f"got {shape}")
        if len(target) == 0:
            raise ValueError(f"target must hold at least one image [B >= 1, {', '.join(map(str, start.shape[1:]))}], "
                             f"got B = 0")
        check_target(target)
        target = target.detach().to(start)
        b = len(target)
        n_ws = 1 if space == "w" else G.num_ws                                       # one w, or one per layer
        w = w_avg.expand(b, n_ws, -1).clone().requires_grad_(True)                   # start at the average w
        opt = torch.optim.Adam([w], lr=lr, betas=(0.9, 0.999))
        every = snapshot_every or max(1, steps // 8)
        losses, snapshots = [], []
        for step in range(steps + 1):
            ws = w.expand(-1, G.num_ws, -1)                                          # [B, num_ws, w_dim]
            images = G.synthesis(ws, noise=noise)
            if step % every == 0 or step == steps:
                snapshots.append((step, images.detach().clamp(-1, 1).cpu()))
            if step == steps:
                break
            loss = projection_loss(images, target, features, feature_weight).sum()
            (w.grad,) = torch.autograd.grad(loss, [w])                              # no gradient left in G
            opt.step()
            losses.append(loss.item())
        return Projection(ws.detach(), images.detach(), losses, snapshots)
    finally:
        G.train(was_training)
