"""Walking through a generator's latent space: interpolation, principal directions, vector arithmetic.

Pure functions on latent vectors z [..., D]; they know nothing about any particular generator, so
every chapter from 04 on uses them (with z, or with StyleGAN's w).

- lerp / slerp: White, "Sampling Generative Networks" (arXiv:1609.04468) argues for spherical
  interpolation: z ~ N(0, I) in D dimensions lies near the sphere of radius sqrt(D), and the
  straight line between two samples dips inside it (its midpoint has norm ~ sqrt(D / 2)).
- principal_directions: GANSpace, Härkönen et al., "GANSpace: Discovering Interpretable GAN
  Controls" (arXiv:2004.02546): PCA of what the generator *produces*, mapped back to z by
  linear regression. (PCA of z itself finds nothing: N(0, I) has the same variance along every
  direction.)
- arithmetic: Radford et al., "Unsupervised Representation Learning with Deep Convolutional GANs"
  (arXiv:1511.06434), section 6.3: mean(z of A) - mean(z of B) + mean(z of C).
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor


def _pair(a: Tensor, b: Tensor, what: str) -> None:
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or a.shape != b.shape or a.dim() == 0:
        sa = list(a.shape) if isinstance(a, Tensor) else type(a).__name__
        sb = list(b.shape) if isinstance(b, Tensor) else type(b).__name__
        raise ValueError(f"{what} needs two latent tensors of one shape [..., D]; got {sa} and {sb}")


def _t(t, like: Tensor) -> Tensor:
    """t as a tensor that broadcasts over the last (latent) dimension: a number, or [..., 1]."""
    return torch.as_tensor(t, dtype=like.dtype, device=like.device)


def lerp(a: Tensor, b: Tensor, t) -> Tensor:
    """Linear interpolation a + t (b - a); t is a number or a tensor broadcastable to [..., 1]."""
    _pair(a, b, "lerp")
    return a + _t(t, a) * (b - a)


def slerp(a: Tensor, b: Tensor, t, eps: float = 1e-6) -> Tensor:
    """Spherical interpolation along the great circle from a to b (Shoemake 1985; White 2016):

        slerp(a, b; t) = sin((1 - t) W) / sin W * a + sin(t W) / sin W * b,   cos W = a.b / (|a| |b|).

    For unit vectors every point keeps norm 1. Where a and b are (anti)parallel, sin W ~ 0 and the
    great circle is not defined: those rows (|sin W| < eps) fall back to lerp. a, b: [..., D]; t: a
    number or [..., 1].

    The angle is computed as W = 2 atan2(|a^ - b^|, |a^ + b^|) (a^ = a / |a|; Kahan's formula), not as
    acos(a^.b^): near cos W = +-1 acos turns one rounding error of the dot product into an angle error of
    ~sqrt(2 * 6e-8) = 3.45e-4 in float32: an antiparallel pair then got sin W ~ 3e-4 > eps, and the formula
    divided by that rounding error (at t = 0.25, b = -a: 0.55-0.71 a instead of lerp's 0.5 a).
    """
    _pair(a, b, "slerp")
    norm_a, norm_b = a.norm(dim=-1, keepdim=True), b.norm(dim=-1, keepdim=True)  # [..., 1]
    if (norm_a == 0).any() or (norm_b == 0).any():
        raise ValueError("slerp needs non-zero vectors: the angle to a zero vector is undefined")
    unit_a, unit_b = a / norm_a, b / norm_b
    omega = 2 * torch.atan2((unit_a - unit_b).norm(dim=-1, keepdim=True),
                            (unit_a + unit_b).norm(dim=-1, keepdim=True))  # [..., 1], in [0, pi]
    sin = torch.sin(omega)
    parallel = sin.abs() < eps
    safe = torch.where(parallel, torch.ones_like(sin), sin)                     # no 0/0 on those rows
    t = _t(t, a)
    out = torch.sin((1 - t) * omega) / safe * a + torch.sin(t * omega) / safe * b
    return torch.where(parallel, lerp(a, b, t), out)


def path(a: Tensor, b: Tensor, steps: int, mode: str = "slerp") -> Tensor:
    """`steps` latents from a to b (both [D]), endpoints included: [steps, D]."""
    if mode not in ("lerp", "slerp"):
        raise ValueError(f"unknown interpolation mode {mode!r}; valid: lerp, slerp")
    if not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an int >= 2 (the two endpoints at least), got {steps!r}")
    _pair(a, b, mode)
    if a.dim() != 1:
        raise ValueError(f"path takes two single latents [D]; got shape {list(a.shape)}")
    t = torch.linspace(0, 1, steps, dtype=a.dtype, device=a.device)[:, None]  # [steps, 1]
    return (lerp if mode == "lerp" else slerp)(a.expand(steps, -1), b.expand(steps, -1), t)


def arithmetic(z_a: Tensor, z_b: Tensor, z_c: Tensor) -> Tensor:
    """DCGAN's "A - B + C" on averaged latents: mean(z_a) - mean(z_b) + mean(z_c), [n_i, D] -> [D].

    Averaging a few samples per concept (the paper uses three) keeps what they share and cancels
    what is particular to each one, which makes the arithmetic far more stable than on single z.
    """
    for name, z in (("z_a", z_a), ("z_b", z_b), ("z_c", z_c)):
        if not isinstance(z, Tensor) or z.dim() != 2 or len(z) == 0:
            shape = list(z.shape) if isinstance(z, Tensor) else type(z).__name__
            raise ValueError(f"{name} must hold at least one latent, shape [n >= 1, D]; got {shape}")
    if not z_a.shape[1] == z_b.shape[1] == z_c.shape[1]:
        raise ValueError(f"z_a, z_b, z_c need one latent size D; got {z_a.shape[1]}, {z_b.shape[1]}, {z_c.shape[1]}")
    return z_a.mean(0) - z_b.mean(0) + z_c.mean(0)


@torch.no_grad()
def principal_directions(features: Callable[[Tensor], Tensor], z: Tensor, k: int) -> tuple[Tensor, Tensor]:
    """GANSpace-style directions in z along which the generator's output varies most.

    1. y = features(z), flattened to [N, F] (e.g. the generated images themselves);
    2. PCA of y: y - mean(y) = U S V^T, coordinates x = (y - mean(y)) V_k  [N, k];
    3. regress z on x by least squares, z ~ x W, W [k, D]: row i of W is the move in z that goes
       with one unit along principal component i.
    Returns (directions [k, D] with unit rows, explained-variance ratio of each component [k]).
    The sign of each direction is fixed so that its largest coordinate is positive.
    """
    if z.dim() != 2:
        raise ValueError(f"z must be a batch of latents [N, D]; got shape {list(z.shape)}")
    y = features(z).flatten(1).double()
    if len(y) != len(z):
        raise ValueError(f"features(z) returned {len(y)} rows for {len(z)} latents")
    if not isinstance(k, int) or not 1 <= k <= min(len(z) - 1, y.shape[1], z.shape[1]):
        raise ValueError(f"k must be an int in 1..{min(len(z) - 1, y.shape[1], z.shape[1])} "
                         f"(fewer than the samples, the features and z's size); got {k!r}")
    y = y - y.mean(0)                                                # [N, F], centred
    _, s, vh = torch.linalg.svd(y, full_matrices=False)              # PCA: rows of vh are components
    x = y @ vh[:k].T                                                 # [N, k] PCA coordinates
    w = torch.linalg.lstsq(x, z.double().to(x.device)).solution      # [k, D]
    w = w / w.norm(dim=1, keepdim=True)
    sign = torch.sign(w.gather(1, w.abs().argmax(1, keepdim=True)))  # largest coordinate positive
    ratio = s[:k] ** 2 / (s ** 2).sum()
    return (w * sign).to(z.device, z.dtype), ratio.to(z.device, z.dtype)
