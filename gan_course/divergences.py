"""Jensen–Shannon divergence vs Wasserstein-1 distance: why WGAN changes the distance. Chapter 03.

Arjovsky, Chintala & Bottou, "Wasserstein GAN" (arXiv:1701.07875), section 2 and Example 1;
Arjovsky & Bottou, "Towards Principled Methods for Training Generative Adversarial Networks"
(arXiv:1701.04862), on the vanishing gradient of a near-optimal discriminator.

The chapter's 1D example: real data P_0 = U[0, 1] and a generator that shifts it, P_theta = U[theta,
theta + 1]. In closed form

    JS(P_0, P_theta) = log 2 * min(|theta|, 1)   (constant log 2 as soon as the supports are disjoint)
    W1(P_0, P_theta) = |theta|                   (keeps telling how far apart they are)

so d JS / d theta = 0 for |theta| > 1, while d W1 / d theta = sign(theta) everywhere. `ShiftGenerator`
is that one-parameter generator, trainable by the course's loop.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor, nn

from . import checks

LOG2 = math.log(2.0)


# --- Closed forms for P_0 = U[0, 1] and P_theta = U[theta, theta + 1] ----------------------------------
def js_shifted_uniform(theta):
    """JS(P_0, P_theta) in nats: the non-overlapping fraction |theta| of each uniform contributes log 2.

    Where only one density is non-zero, p log(2p / (p + q)) = p log 2; where both equal 1 the
    integrand is 0. Works on floats and on tensors (differentiable: the gradient is 0 once |theta| >= 1).
    """
    if isinstance(theta, Tensor):
        return LOG2 * theta.abs().clamp(max=1.0)
    return LOG2 * min(abs(float(theta)), 1.0)


def w1_shifted_uniform(theta):
    """W1(P_0, P_theta) = |theta|: every unit of mass moves by |theta| (a translation)."""
    return theta.abs() if isinstance(theta, Tensor) else abs(float(theta))


# --- The same quantities from densities on a grid, or from samples --------------------------------
def js_divergence(p, q, dx: float) -> float:
    """JS(P, Q) = 1/2 KL(P || M) + 1/2 KL(Q || M), M = (P + Q) / 2, from densities on a uniform grid.

    p, q: densities [N] evaluated at the same grid points, spacing dx; natural log (nats), so the
    maximum, reached for disjoint supports, is log 2. 0 log 0 = 0.
    """
    p, q = torch.as_tensor(p, dtype=torch.float64), torch.as_tensor(q, dtype=torch.float64)
    if p.shape != q.shape or p.dim() != 1:
        raise ValueError(f"p and q must be 1D densities on the same grid, got shapes {tuple(p.shape)} and {tuple(q.shape)}")
    if (p < 0).any() or (q < 0).any() or not dx > 0:
        raise ValueError(f"densities must be >= 0 and dx > 0 (got dx={dx})")
    m = (p + q) / 2
    kl = lambda a: (torch.xlogy(a, a) - torch.xlogy(a, m)).sum() * dx  # noqa: E731  KL(a || m)
    return float(0.5 * kl(p) + 0.5 * kl(q))


def wasserstein1_1d(a, b) -> float:
    """W1 between the empirical distributions of two 1D samples a [N] and b [M].

    In 1D optimal transport matches quantiles: W1 = integral |F_a(t) - F_b(t)| dt, computed exactly
    between consecutive sorted points. For N == M this equals mean(|sort(a) - sort(b)|).
    """
    a = torch.as_tensor(a, dtype=torch.float64).flatten().sort().values
    b = torch.as_tensor(b, dtype=torch.float64).flatten().sort().values
    if len(a) == 0 or len(b) == 0:
        raise ValueError("need at least one sample in each set")
    t = torch.cat([a, b]).sort().values
    cdf_a = torch.searchsorted(a, t[:-1], right=True).double() / len(a)  # F_a on each interval [t_i, t_i+1)
    cdf_b = torch.searchsorted(b, t[:-1], right=True).double() / len(b)
    return float(((cdf_a - cdf_b).abs() * t.diff()).sum())


# --- A generator with one parameter: G_theta(z) = Phi(z) + theta ------------------------------------
class ShiftGenerator(nn.Module):
    """z [B, 1] ~ N(0, 1) -> x [B, 1] ~ U[theta, theta + 1]: the normal CDF Phi makes z uniform.

    The only parameter is the shift theta, so "how does G's loss change with theta?" is a single
    number that the chapter can plot against the closed forms above.

    `extra_dims` > 0 appends that many coordinates that are always 0: the same distribution, seen by
    a network as points (x, 0, ...). A gradient-penalised critic needs them to turn its slope round:
    in 1D its gradient is a number that must pass through 0, where the penalty is largest, while in
    2D it can swing round at full length (chapter 03, section 2).
    """

    z_dim = 1

    def __init__(self, theta: float = 2.0, extra_dims: int = 0):
        super().__init__()
        self.theta = nn.Parameter(torch.tensor(float(theta)))
        self.extra_dims = checks.integer("extra_dims", extra_dims, minimum=0)

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != 1:
            raise ValueError(f"ShiftGenerator expects z of shape [B, 1], got {list(z.shape)}")
        x = 0.5 * (1 + torch.erf(z / math.sqrt(2))) + self.theta  # Phi(z) + theta, [B, 1]
        return torch.cat([x, x.new_zeros(len(x), self.extra_dims)], dim=1)  # [B, 1 + extra_dims]


def uniform_samples(n: int, seed: int = 0, extra_dims: int = 0) -> Tensor:
    """n samples of the real data P_0 = U[0, 1], shaped [n, 1] like any course dataset of 1D points
    (or [n, 1 + extra_dims], the extra coordinates 0, to match `ShiftGenerator(extra_dims=...)`)."""
    checks.integer("n", n)
    checks.integer("extra_dims", extra_dims, minimum=0)
    x = torch.rand(n, 1, generator=torch.Generator().manual_seed(seed))
    return torch.cat([x, torch.zeros(n, extra_dims)], dim=1)


def linear_critic_loss(slope, gap: float, lam: float):
    """The WGAN-GP critic loss of a linear 1D critic f(x) = slope * x, when the fakes lie `gap` to the
    right of the data on average: E f(fake) - E f(real) + lam (|f'| - 1)^2 = gap * slope + lam (|slope| - 1)^2.

    For lam > gap / 2 it has a local minimum at slope = 1 - gap / (2 lam) > 0 (a critic that rises
    towards the fakes: the wrong sign), separated from the global one at -1 - gap / (2 lam) by the
    barrier lam at slope 0. Works on floats and tensors.
    """
    return gap * slope + lam * (abs(slope) - 1) ** 2


# --- What the critic says during training --------------------------------------------------------
def wasserstein_estimate(history, smooth: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(steps, E[f(real)] - E[f(fake)]) from a run's history: the critic's estimate of W1 per G step.

    The loop logs d_real = mean f(real) and d_fake = mean f(fake) of each step's last critic update.
    For a 1-Lipschitz critic (WGAN-GP keeps it close) this is a lower bound on W1 that the critic
    pushes up; with weight clipping it is W1 times an unknown constant K. `smooth` > 1 returns a
    running mean over that many steps (the estimate is noisy; its trend is the point).
    """
    if not isinstance(smooth, int) or smooth < 1:
        raise ValueError(f"smooth must be an int >= 1, got {smooth!r}")
    steps = np.asarray(history.steps)
    estimate = np.asarray(history["d_real"], dtype=float) - np.asarray(history["d_fake"], dtype=float)
    if smooth > 1:
        k = min(smooth, len(estimate))
        estimate = np.convolve(estimate, np.ones(k) / k, mode="valid")
        steps = steps[k - 1:]
    return steps, estimate


def wasserstein1_exact(a, b) -> float:
    """W1 between two equal-size point sets a [N, D] and b [N, D], by exact optimal transport.

    With N points on each side, an optimal plan is a one-to-one matching (Birkhoff–von Neumann), so
    W1 = min over permutations of mean ||a_i - b_perm(i)||, solved by the Hungarian algorithm
    (scipy's linear_sum_assignment, O(N^3): keep N to about a thousand).
    """
    from scipy.optimize import linear_sum_assignment

    a = torch.as_tensor(a, dtype=torch.float64).detach().cpu()
    b = torch.as_tensor(b, dtype=torch.float64).detach().cpu()
    if a.dim() == 1:
        a, b = a.unsqueeze(1), b.unsqueeze(1)
    if a.shape != b.shape or a.dim() != 2 or len(a) == 0:
        raise ValueError(f"a and b must be point sets [N, D] of the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    cost = torch.cdist(a, b).numpy()  # [N, N] Euclidean distances
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())
