"""A PixelCNN prior over a VQ-VAE's code grid: van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent
Neural Networks" (arXiv:1601.06759), section 3.5 (masked convolutions). Chapter 10.

The VQ-VAE paper (arXiv:1711.00937, section 4.2) fits a PixelCNN to the codes of the training images and
samples new images by sampling a code grid from it, position by position, and decoding it. The prior is a
classifier: at every position it outputs K logits for "which code comes here", given the codes before it
in raster order (row by row, left to right):

    p(k_1, ..., k_n) = prod_i p(k_i | k_1, ..., k_{i-1}),     trained with cross-entropy on the real codes.

Causality comes from masks on the convolution kernels. Mask A (first layer) hides the centre position
and everything after it; mask B (later layers) shows the centre too, which by then only carries
information about earlier positions. A stack of 3x3 masked convolutions has a blind spot (positions
up and to the right that it never sees, the reason for the Gated PixelCNN's two stacks, arXiv:1606.05328).
A code grid is small (7x7 for 28 px images), so the first layer here is ONE masked convolution of kernel
2g - 1 that covers the whole grid from every position: each output sees every earlier code, no blind
spot, and the later 3x3 layers refine what it found.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import checks
from .vqvae import check_codes


def causal_mask(kernel_size: int, mask_type: str) -> Tensor:
    """[k, k] of 0/1: 1 above the centre row, and left of the centre in its row; the centre itself only for "B"."""
    checks.choice("mask_type", mask_type, ("A", "B"))
    mask = torch.zeros(kernel_size, kernel_size)
    c = kernel_size // 2
    mask[:c] = 1                      # every row above the centre
    mask[c, :c] = 1                   # left of the centre
    if mask_type == "B":
        mask[c, c] = 1                # B: the centre too (it already sees only the past)
    return mask


class MaskedConv2d(nn.Conv2d):
    """A 'same' k x k convolution whose kernel is multiplied by a causal mask at every call (so that no
    update can undo it). The mask's rows below the centre are all zero, so the kernel keeps only the
    k // 2 + 1 rows down to the centre and the input is padded above only: the same result, about half
    the work of a full k x k kernel.
    """

    def __init__(self, c_in: int, c_out: int, kernel_size: int, mask_type: str):
        if kernel_size % 2 == 0:
            raise ValueError(f"a masked convolution needs an odd kernel (a centre), got {kernel_size}")
        half = kernel_size // 2
        super().__init__(c_in, c_out, (half + 1, kernel_size))        # rows above the centre, and the centre row
        self.register_buffer("mask", causal_mask(kernel_size, mask_type)[:half + 1])
        self.pad = (half, half, half, 0)                               # left, right, top, bottom: keeps the size

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(F.pad(x, self.pad), self.weight * self.mask, self.bias)


class MaskedResidualBlock(nn.Module):
    """x + conv1x1(relu(maskedB3x3(relu(x)))): causal, since a 1x1 convolution looks at the centre only."""

    def __init__(self, channels: int):
        super().__init__()
        self.block = nn.Sequential(nn.ReLU(), MaskedConv2d(channels, channels, 3, "B"), nn.ReLU(),
                                   nn.Conv2d(channels, channels, 1))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.block(x)


@dataclass
class PixelCNNConfig:
    codebook_size: int = 128   # K: the VQ-VAE's number of codes
    grid_size: int = 7         # g: the code grid is g x g
    embed_dim: int = 16        # a code's learned vector: the input of the grid-wide (costly) first convolution
    channels: int = 32
    n_layers: int = 2          # masked residual blocks after the first, grid-wide masked convolution

    def __post_init__(self):
        checks.integer("codebook_size", self.codebook_size, minimum=2, maximum=2**20,
                       why="a codebook of one code carries no information")
        checks.integer("grid_size", self.grid_size, maximum=64)
        checks.integer("embed_dim", self.embed_dim, maximum=4096)
        checks.integer("channels", self.channels, maximum=4096)
        checks.integer("n_layers", self.n_layers, minimum=0, maximum=64)


class PixelCNN(nn.Module):
    """codes [B, g, g] (int64) -> logits [B, K, g, g]; logits[:, :, i, j] depend on the codes before (i, j) only."""

    def __init__(self, cfg: PixelCNNConfig):
        super().__init__()
        self.cfg = cfg
        k, g, c = cfg.codebook_size, cfg.grid_size, cfg.channels
        self.embed = nn.Embedding(k, cfg.embed_dim)                  # a code -> a learned vector
        self.first = MaskedConv2d(cfg.embed_dim, c, 2 * g - 1, "A")  # sees the whole past of every position
        self.blocks = nn.Sequential(*[MaskedResidualBlock(c) for _ in range(cfg.n_layers)])
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(c, k, 1))     # K logits per position

    def forward(self, codes: Tensor) -> Tensor:
        check_codes(codes, self.cfg.grid_size, self.cfg.codebook_size, "PixelCNN")
        return self._logits(codes)

    def _logits(self, codes: Tensor) -> Tensor:
        h = self.embed(codes).permute(0, 3, 1, 2)                    # [B, embed_dim, rows, g]
        return self.head(self.blocks(self.first(h)))                 # [B, K, rows, g]

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0, seed: int | None = None) -> Tensor:
        """n code grids [n, g, g], one position at a time in raster order; softmax(logits / temperature).

        temperature < 1 sharpens each distribution (safer, less varied samples), > 1 flattens it.
        `seed` makes the draws reproducible (their own generator; the global RNG is untouched).
        """
        checks.integer("n", n)
        checks.number("temperature", temperature, minimum=1e-3, maximum=100)
        g, device = self.cfg.grid_size, next(self.parameters()).device
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        was_training = self.training
        self.eval()
        codes = torch.zeros(n, g, g, dtype=torch.long, device=device)
        for i in range(g):
            for j in range(g):  # one forward per position: position (i, j) sees the codes drawn so far
                # rows below i cannot reach row i through causal convolutions: leave them out (half the work)
                logits = self._logits(codes[:, :i + 1])[:, :, i, j].float()                 # [n, K]
                probs = F.softmax(logits / temperature, dim=1).cpu()
                codes[:, i, j] = torch.multinomial(probs, 1, generator=gen).squeeze(1).to(device)
        self.train(was_training)
        return codes


def prior_loss(model: PixelCNN, codes: Tensor, y: Tensor | None = None) -> Tensor:
    """Cross-entropy of the real codes under the prior, in nats per code: a classifier's loss (`train_model`)."""
    return F.cross_entropy(model(codes), codes)
