"""Every GAN loss as a pair of small pure functions, plus the penalties that regularise D and G.

A loss pair is `d_loss(real_logits, fake_logits)` and `g_loss(fake_logits)`; both return a scalar
that the optimiser *minimises*. `logits` are D's raw outputs (before any sigmoid): working in logits
with softplus is the numerically stable way to write log-sigmoid terms, since
    log sigmoid(l) = -softplus(-l)     and     log(1 - sigmoid(l)) = -softplus(l).

Chapters pick a pair by name from `LOSSES` ("minimax", "nonsaturating", "wasserstein", "hinge");
penalties (`gradient_penalty`, `r1_penalty`) and weight clipping are separate, so that WGAN-GP is
"the Wasserstein pair + a penalty", not a new training loop. Regularisers of G (`path_length_penalty`,
`orthogonal_penalty`) likewise; the training loop applies each as its `TrainConfig` says.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn


# --- The original GAN (Goodfellow et al. 2014, arXiv:1406.2661) ---------------------------------
def d_loss_bce(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """D maximises E[log D(x)] + E[log(1 - D(G(z)))]; we minimise the negative of that."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_loss_minimax(fake_logits: Tensor) -> Tensor:
    """G minimises E[log(1 - D(G(z)))] = -E[softplus(l)]: the game as written, which saturates.

    Its gradient w.r.t. the logit is -sigmoid(l): near zero exactly when D confidently rejects
    the fakes (l << 0), which is early in training, when G most needs a signal.
    """
    return -F.softplus(fake_logits).mean()


def g_loss_nonsaturating(fake_logits: Tensor) -> Tensor:
    """G minimises -E[log D(G(z))] = E[softplus(-l)]: same fixed point, strong early gradient.

    Its gradient w.r.t. the logit is -(1 - sigmoid(l)): close to -1 when D rejects the fakes.
    """
    return F.softplus(-fake_logits).mean()


# --- Wasserstein GAN (Arjovsky et al. 2017, arXiv:1701.07875) -----------------------------------
def d_loss_wasserstein(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """The critic maximises E[f(x)] - E[f(G(z))], an estimate of W1 when f is 1-Lipschitz."""
    return fake_logits.mean() - real_logits.mean()


def g_loss_wasserstein(fake_logits: Tensor) -> Tensor:
    """G minimises -E[f(G(z))] (the E[f(x)] term does not depend on G)."""
    return -fake_logits.mean()


# --- Hinge loss (Lim & Ye 2017; Miyato et al. 2018, used by SAGAN and BigGAN) -------------------
def d_loss_hinge(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]: D stops pushing once a margin of 1 is met."""
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


@dataclass(frozen=True)
class GANLoss:
    """A (d_loss, g_loss) pair; `name` is what the chapters print."""

    name: str
    d_loss: Callable[[Tensor, Tensor], Tensor]
    g_loss: Callable[[Tensor], Tensor]


LOSSES: dict[str, GANLoss] = {
    "minimax": GANLoss("minimax", d_loss_bce, g_loss_minimax),
    "nonsaturating": GANLoss("nonsaturating", d_loss_bce, g_loss_nonsaturating),
    "wasserstein": GANLoss("wasserstein", d_loss_wasserstein, g_loss_wasserstein),
    "hinge": GANLoss("hinge", d_loss_hinge, g_loss_wasserstein),  # G's hinge loss is -E[D(G(z))]
}


def get_loss(name: str | GANLoss) -> GANLoss:
    if isinstance(name, GANLoss):
        return name
    if name not in LOSSES:
        raise ValueError(f"unknown GAN loss {name!r}; valid: {', '.join(LOSSES)}")
    return LOSSES[name]


# --- Penalties on D ----------------------------------------------------------------------------
def _critic_gradients(D: nn.Module, x: Tensor, labels: Tensor | None) -> Tensor:
    """d D(x) / d x, kept in the graph so that a penalty on it can be back-propagated."""
    x = x.detach().requires_grad_(True)
    out = D(x) if labels is None else D(x, labels)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return grad.flatten(1)  # [B, prod(sample_shape)]


def gradient_penalty(D: nn.Module, real: Tensor, fake: Tensor, labels: Tensor | None = None,
                     lam: float = 10.0) -> Tensor:
    """WGAN-GP (Gulrajani et al. 2017, arXiv:1704.00028): lam * E[(||grad_x f(x_hat)||_2 - 1)^2].

    x_hat = eps * real + (1 - eps) * fake with ONE eps ~ U[0, 1] per sample (not per pixel), so
    that x_hat lies on the straight line between a real and a fake sample. The optimal critic has
    gradient norm 1 on the lines between *optimally coupled* pairs (the paper's Proposition 1); the
    coupling is unknown, so the penalty samples random real-fake pairs instead.
    """
    if lam < 0:
        raise ValueError(f"gradient-penalty weight lam must be >= 0, got {lam}")
    if real.shape != fake.shape:
        raise ValueError(f"real {tuple(real.shape)} and fake {tuple(fake.shape)} batches must have the same shape")
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    x_hat = eps * real.detach() + (1 - eps) * fake.detach()
    grad_norm = _critic_gradients(D, x_hat, labels).norm(2, dim=1)
    return lam * ((grad_norm - 1) ** 2).mean()


def r1_penalty(D: nn.Module, real: Tensor, labels: Tensor | None = None, gamma: float = 10.0) -> Tensor:
    """R1 (Mescheder et al. 2018, arXiv:1801.04406): gamma/2 * E[||grad_x D(x)||^2] on real data."""
    if gamma < 0:
        raise ValueError(f"R1 weight gamma must be >= 0, got {gamma}")
    return 0.5 * gamma * _critic_gradients(D, real, labels).pow(2).sum(1).mean()


@torch.no_grad()
def clip_weights_(D: nn.Module, clip: float) -> None:
    """WGAN's crude Lipschitz constraint: clamp every parameter of the critic to [-clip, clip]."""
    if clip <= 0:
        raise ValueError(f"weight-clipping value must be > 0, got {clip}")
    for p in D.parameters():
        p.clamp_(-clip, clip)


# --- Regularisers of G ------------------------------------------------------------------------------
def path_length_penalty(fake: Tensor, ws: Tensor, pl_mean: float, decay: float = 0.01) -> tuple[Tensor, float]:
    """StyleGAN2's path-length penalty (Karras et al. 2020, arXiv:1912.04958, eq. 4).

    With y ~ N(0, I) / sqrt(H * W) (so the length does not grow with the image size), the length of
    J_w^T y = d(G(w) . y) / dw measures how much the image moves per unit step in W. The penalty
    E[(||J_w^T y|| - a)^2] pulls every length towards a running mean a, so that a fixed step in W
    changes the image by a fixed amount wherever it is taken.

    fake: G.synthesis(ws) [B, C, H, W], still in the graph of ws [B, num_ws, w_dim]. Returns the
    penalty (differentiable) and the updated mean a <- a + decay * (mean length - a) (a float).
    """
    if not ws.requires_grad:
        raise ValueError("ws must be part of the graph that produced fake (e.g. ws = G.mapping(z), fake = G.synthesis(ws))")
    noise = torch.randn_like(fake) / math.sqrt(fake.shape[2] * fake.shape[3])
    (grad,) = torch.autograd.grad((fake * noise).sum(), ws, create_graph=True)  # J_w^T y: [B, num_ws, w_dim]
    lengths = grad.square().sum(2).mean(1).sqrt()                              # [B]: averaged over the layers' w
    new_mean = pl_mean + decay * (lengths.mean().item() - pl_mean)
    return (lengths - new_mean).square().mean(), new_mean


def orthogonal_penalty(module: nn.Module, beta: float = 1e-4) -> Tensor:
    """BigGAN's orthogonal regularisation (Brock et al. 2019, arXiv:1809.11096, eq. 3).

    beta * sum over G's weight matrices W of ||W W^T * (1 - I)||_F^2, with each weight seen as
    [out_features, fan_in]: it pushes different filters towards orthogonality without fixing their
    norms (the diagonal is left out), which made BigGAN's G amenable to the truncation trick.
    Embedding tables and 1-D parameters (biases, gains) are left alone.

    This is the paper's eq. 3, whose gradient is 4 beta (W W^T * (1 - I)) W. The authors' code
    (BigGAN-PyTorch utils.py `ortho`) adds 2 * strength * (W W^T * (1 - I)) W to the gradient
    instead: with the same beta it is half as strong as this penalty.
    """
    if beta < 0:
        raise ValueError(f"orthogonal-regularisation weight beta must be >= 0, got {beta}")
    embeddings = {id(p) for m in module.modules() if isinstance(m, nn.Embedding) for p in m.parameters()}
    total = None
    for p in module.parameters():
        if p.dim() < 2 or id(p) in embeddings or not p.requires_grad:
            continue
        w = p.flatten(1)                                      # [out, fan_in]
        gram = w @ w.T                                        # [out, out]: dot products of filters
        off = gram * (1 - torch.eye(len(w), device=w.device, dtype=w.dtype))
        total = off.square().sum() if total is None else total + off.square().sum()
    if total is None:
        raise ValueError(f"{type(module).__name__} has no weight matrices to regularise")
    return beta * total


# --- Chapter 10: feature (perceptual) loss -----------------------------------------------------------
def feature_loss(blocks, fake: Tensor, real: Tensor) -> Tensor:
    """Mean over the blocks of MSE(phi_l(fake), phi_l(real)), phi_l = the output of blocks[0..l] in turn.

    A perceptual loss (Johnson et al., arXiv:1603.08155; VQGAN's uses LPIPS, arXiv:2012.09841): images
    compared through a frozen network's feature maps, which care about edges and textures where pixel MSE
    is satisfied by a blur. `blocks` is a sequence of modules applied one after another (e.g. the conv
    blocks of a classifier); freeze them (`requires_grad_(False)`, eval mode): gradients reach `fake` only.
    """
    blocks = list(blocks)
    if not blocks:
        raise ValueError("feature_loss needs at least one block (a module that maps images to feature maps)")
    if fake.shape != real.shape:
        raise ValueError(f"fake {tuple(fake.shape)} and real {tuple(real.shape)} batches must have the same shape")
    total, f, r = 0.0, fake, real.detach()
    for block in blocks:
        f = block(f)
        with torch.no_grad():
            r = block(r)
        total = total + F.mse_loss(f, r)
    return total / len(blocks)
