"""Pictures every chapter uses: image grids, loss curves, 2D real-vs-generated plots, snapshots.

Functions that draw take an optional matplotlib `ax` and return it, so a notebook can place them
in its own figure; `image_grid` and `png_bytes` are pure (arrays and bytes), so widgets and tests
can use them without a display.
"""
from __future__ import annotations

import io
import math

import numpy as np
import torch
from torch import Tensor


def image_grid(images: Tensor, nrow: int | None = None, pad: int = 1) -> np.ndarray:
    """[N, C, H, W] in [-1, 1] -> one uint8 picture [H', W', 3] (or [H', W'] for grey), rows of `nrow`."""
    if images.dim() != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"expected images of shape [N, 1 or 3, H, W], got {list(images.shape)}")
    n, c, h, w = images.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    ncol_rows = math.ceil(n / nrow)
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    grid = torch.full((c, ncol_rows * (h + pad) + pad, nrow * (w + pad) + pad), 255, dtype=torch.uint8)
    for i in range(n):
        r, col = divmod(i, nrow)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[:, top:top + h, left:left + w] = x[i]
    grid = grid.permute(1, 2, 0).numpy()
    return grid[..., 0] if c == 1 else grid


def show_images(images: Tensor, nrow: int | None = None, title: str | None = None, ax=None):
    """Draw a grid of images (in [-1, 1]) on `ax`."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(5, 5))[1]
    grid = image_grid(images, nrow)
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=255, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_history(history, keys: tuple[str, ...] = ("d_loss", "g_loss"), smooth: int = 25, ax=None,
                 title: str | None = None):
    """Loss curves against G steps, with a running mean (GAN losses are noisy by nature)."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    steps = np.asarray(history.steps)
    for key in keys:
        values = np.asarray(history[key], dtype=float)
        k = max(1, min(smooth, len(values) // 5 or 1))
        smoothed = np.convolve(values, np.ones(k) / k, mode="valid")
        line, = ax.plot(steps[k - 1:], smoothed, label=key)
        ax.plot(steps, values, color=line.get_color(), alpha=0.2, lw=0.8)
    ax.set_xlabel("generator step")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def plot_points(real: Tensor, fake: Tensor | None = None, *, centers: Tensor | None = None, ax=None,
                title: str | None = None, lim: float | None = None):
    """2D samples: real data as a grey density, generated samples as dots, true modes as crosses."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(4, 4))[1]
    real = real.detach().cpu().numpy()
    lim = lim or float(np.abs(real).max() * 1.3)
    ax.hist2d(real[:, 0], real[:, 1], bins=120, range=[[-lim, lim], [-lim, lim]], cmap="Greys", cmin=1)
    if fake is not None:
        fake = fake.detach().cpu().numpy()
        ax.scatter(fake[:, 0], fake[:, 1], s=3, alpha=0.5, color="tab:orange", label="generated")
    if centers is not None:
        c = centers.cpu().numpy()
        ax.scatter(c[:, 0], c[:, 1], marker="x", color="tab:blue", s=30, label="true modes")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_snapshots(history, real: Tensor | None = None, *, centers: Tensor | None = None,
                   max_panels: int = 8, nrow: int | None = None):
    """One panel per fixed-noise snapshot kept during training: how G's output evolved."""
    import matplotlib.pyplot as plt

    shots = history.snapshots
    if not shots:
        raise ValueError("this history holds no snapshots (TrainConfig.snapshot_every)")
    idx = np.unique(np.linspace(0, len(shots) - 1, min(max_panels, len(shots))).round().astype(int))
    fig, axes = plt.subplots(1, len(idx), figsize=(2.2 * len(idx), 2.4), squeeze=False)
    for ax, i in zip(axes[0], idx):
        step, x = shots[i]
        if x.dim() == 2:
            plot_points(real, x, centers=centers, ax=ax, title=f"step {step}")
        else:
            show_images(x[:(nrow or 8) ** 2], nrow=nrow or 8, title=f"step {step}", ax=ax)
    fig.tight_layout()
    return fig


def png_bytes(picture, dpi: int = 80) -> bytes:
    """A uint8 array or a matplotlib figure (drawn at `dpi`) as PNG bytes; the same picture gives the same bytes."""
    from PIL import Image

    buf = io.BytesIO()
    if isinstance(picture, np.ndarray):
        Image.fromarray(picture).save(buf, format="PNG")
    else:  # a matplotlib Figure: no timestamps or versions in the file, so bytes are comparable
        import matplotlib.pyplot as plt

        picture.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        plt.close(picture)
    return buf.getvalue()


def upscale(grid: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement so that tiny images are visible in a widget."""
    return grid.repeat(factor, axis=0).repeat(factor, axis=1)


def plot_critic(D, lim: float, *, ax=None, probability: bool = False, resolution: int = 120,
                title: str | None = None):
    """D's output over the 2D plane as filled contours: where D (or a WGAN critic) scores high.

    probability=True shows sigmoid(logit) = D(x) for a vanilla discriminator; False shows the raw
    score, which is what a Wasserstein critic outputs. Draw samples on top with `plot_points`.
    """
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(4, 4))[1]
    device = next(D.parameters()).device
    t = torch.linspace(-lim, lim, resolution)
    gx, gy = torch.meshgrid(t, t, indexing="xy")
    grid = torch.stack([gx.flatten(), gy.flatten()], 1).to(device)
    was_training = D.training
    D.eval()
    with torch.no_grad():
        score = D(grid).float().cpu()
    D.train(was_training)
    if probability:
        score = torch.sigmoid(score)
    cs = ax.contourf(gx.numpy(), gy.numpy(), score.view(resolution, resolution).numpy(), levels=20, cmap="RdBu_r",
                     alpha=0.6)
    plt.colorbar(cs, ax=ax, fraction=0.046, pad=0.04, label="D(x)" if probability else "critic f(x)")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=9)
    return ax


# --- Chapter 03: WGAN -------------------------------------------------------------------------------
def plot_shifted_uniforms(theta: float, *, ax=None):
    """P_0 = U[0, 1] vs P_theta = U[theta, theta + 1], with the optimal discriminator D* and critic f*.

    D*(x) = p_0 / (p_0 + p_theta) is 1 on P_0's support and 0 on P_theta's (1/2 where they overlap):
    flat where the fakes are, so it gives G no direction. A 1-Lipschitz optimal critic for a shift is
    f*(x) = -sign(theta) x (+ any constant), with E_P0[f*] - E_Ptheta[f*] = |theta| = W1: slope 1 everywhere.
    """
    import matplotlib.pyplot as plt

    from .divergences import js_shifted_uniform, w1_shifted_uniform

    theta = float(theta)
    ax = ax or plt.subplots(figsize=(6, 3))[1]
    lo, hi = min(0.0, theta) - 0.75, max(1.0, theta + 1) + 0.75
    x = np.linspace(lo, hi, 2001)
    p0 = ((x >= 0) & (x <= 1)).astype(float)
    pt = ((x >= theta) & (x <= theta + 1)).astype(float)
    ax.fill_between(x, 0, p0, color="tab:blue", alpha=0.25, label="real $P_0$")
    ax.fill_between(x, 0, pt, color="tab:orange", alpha=0.25, label=r"generated $P_\theta$")
    support = (p0 + pt) > 0
    d_star = np.where(support, p0 / np.where(support, p0 + pt, 1), np.nan)  # undefined off both supports
    ax.plot(x, d_star, color="tab:red", lw=2, label="optimal D*(x)")
    ax.set(xlim=(lo, hi), ylim=(-0.1, 1.35), xlabel="x", ylabel="density, D*(x)")
    f_star = -np.sign(theta) * (x - 0.5)  # slope -sign(theta): 1-Lipschitz, pushes P_theta towards P_0
    critic_ax = ax.twinx()  # the critic's values live on their own scale
    critic_ax.plot(x, f_star, color="tab:green", lw=2, ls="--")
    critic_ax.set_ylabel("f*(x)", color="tab:green")
    ax.plot([], [], color="tab:green", lw=2, ls="--", label="optimal critic f*(x), right axis")
    ax.set_title(f"θ = {theta:+.2f}:  JS = {js_shifted_uniform(theta):.3f} nats (log 2 = 0.693),  "
                 f"W1 = {w1_shifted_uniform(theta):.2f}", fontsize=9)
    ax.legend(fontsize=7, loc="upper right", ncol=2)
    return ax


def plot_weight_histogram(D, clip: float | None = None, *, ax=None, title: str | None = None, bins: int = 60):
    """Histogram of every weight of D (biases too); with `clip`, the bounds ±clip as dashed lines."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(4, 3))[1]
    w = torch.cat([p.detach().flatten().cpu() for p in D.parameters()]).numpy()
    ax.hist(w, bins=bins, color="tab:purple", alpha=0.8)
    if clip:
        for c in (-clip, clip):
            ax.axvline(c, color="k", ls="--", lw=1)
    ax.set(xlabel="weight value", ylabel="count")
    if title:
        ax.set_title(title, fontsize=9)
    return ax
