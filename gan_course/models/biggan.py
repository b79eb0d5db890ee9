"""BigGAN: Brock, Donahue & Simonyan, "Large Scale GAN Training for High Fidelity Natural Image
Synthesis" (arXiv:1809.11096). Chapter 06.

BigGAN is SAGAN (Zhang et al., arXiv:1805.08318) made larger, plus a few ideas that make a large
class-conditional GAN train and sample well. As code, at 32x32 (the layout of the authors' CIFAR
model, ajbrock/BigGAN-PyTorch):

- G: residual blocks (sec. 3, fig. 15a), each  CBN -> ReLU -> upsample -> conv3x3 -> CBN -> ReLU ->
  conv3x3, plus a 1x1-conv shortcut; 4x4 -> 8x8 -> 16x16 -> 32x32, then BN -> ReLU -> conv3x3 -> tanh.
- Class-conditional batch norm (CBN, `layers.ConditionalBatchNorm2d`): every BN of a block takes its
  gain 1 + gamma(c) and bias beta(c) from linear maps of a conditioning vector c.
- Shared embedding: ONE class embedding table e(y) for all blocks (not one table per BN layer).
- Hierarchical latents (skip-z): z is split into one chunk per block plus one for the input; the
  first chunk feeds the linear layer that makes the 4x4 map, and block i gets c_i = [e(y), z_i].
- Self-attention (`layers.SelfAttention`) after the block at one resolution, in G and in D.
- Spectral norm (`layers.sn`) on every conv and linear layer of G and D, except G's shared embedding
  (the authors: applying it there "seems to randomly cripple G").
- D: residual blocks with average-pool downsampling (fig. 15b), ReLU, global *sum* pooling, and
  chapter 02's projection (`conditional.projection_logits`, Miyato & Koyama, arXiv:1802.05637).
- Orthogonal initialisation of every conv and linear weight, CBN's gain and bias maps and the attention
  convs included (the authors' `--G_init ortho`, BigGAN.py `init_weights`), except G's shared embedding:
  N(0, I) rows here (see `Generator.__init__`), orthogonal in the authors' code.

The training side (hinge loss, 2 D steps per G step, Adam with beta1 = 0, EMA of G, orthogonal
regularisation) is a `TrainConfig`; the sampling side is `truncated_noise`, the truncation trick, and
`standing_stats`, the BN statistics re-estimated for the G we sample from at the threshold we use.

Layouts: img_size 16 / 32 / 64 gives 2 / 3 / 4 up-blocks in G (from 4x4); D halves the side down
to 8x8 and adds two blocks at 8x8 (the authors' 32x32 D: 32 -> 16 -> 8 -> 8 -> 8).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import checks
from ..layers import ConditionalBatchNorm2d, SelfAttention, check_input, sn
from .conditional import check_labels, projection_logits

SUPPORTED_SIZES = (16, 32, 64)
SUPPORTED_CHANNELS = (1, 3)
MIN_THRESHOLD = 1e-3  # truncated_noise: below it, redrawing takes more than ~1,250 draws per value


@dataclass
class BigGANConfig:
    img_size: int = 32          # one of SUPPORTED_SIZES
    img_channels: int = 1       # 1 (grey) or 3 (RGB)
    num_classes: int = 10
    z_dim: int = 128            # split into len(G.blocks) + 1 equal chunks
    shared_dim: int = 128       # size of the shared class embedding e(y)
    g_width: int = 64           # G's channels at 4x4 and 8x8, halved each time the side doubles
    d_width: int = 64           # D's channels at 8x8, halved each time the side doubles
    attention: int = 16         # side of the feature maps that get self-attention (0 = none)
    d_spectral: bool = True     # spectral norm in D (False: the chapter's ablation)

    def __post_init__(self):
        if type(self.img_size) is not int or self.img_size not in SUPPORTED_SIZES:
            raise ValueError(f"BigGAN supports img_size in {SUPPORTED_SIZES}, got {self.img_size!r}; resize or pad "
                             f"the data, e.g. data.load_dataset(name, img_size=32, fit='pad')")
        if type(self.img_channels) is not int or self.img_channels not in SUPPORTED_CHANNELS:
            raise ValueError(f"BigGAN supports img_channels in {SUPPORTED_CHANNELS} (grey or RGB), "
                             f"got {self.img_channels!r}")
        checks.integer("num_classes", self.num_classes, minimum=2, why="BigGAN is class-conditional")
        checks.integer("shared_dim", self.shared_dim, maximum=4096)
        checks.integer("g_width", self.g_width, maximum=4096)
        checks.integer("d_width", self.d_width, maximum=4096)
        checks.integer("z_dim", self.z_dim, maximum=4096)
        if self.z_dim % self.num_chunks:
            raise ValueError(
                f"z_dim={self.z_dim} must split into {self.num_chunks} equal chunks (one for G's input layer and "
                f"one per block of a {self.img_size}x{self.img_size} G): use a multiple of {self.num_chunks}, "
                f"e.g. {self.num_chunks * max(1, round(self.z_dim / self.num_chunks))}")
        sides = tuple(4 * 2**i for i in range(1, self.num_chunks))  # G's block outputs, e.g. (8, 16, 32)
        checks.integer("attention (a feature-map side; 0 = none)", self.attention, minimum=0)
        if self.attention != 0 and self.attention not in sides:
            raise ValueError(f"attention must be 0 (none) or the side of one of G's block outputs {sides}, "
                             f"got {self.attention!r}")
        with_attention = ("g_width", "d_width") if self.attention <= self.img_size // 2 else ("g_width",)  # D: 16, 8
        for name in with_attention if self.attention else ():
            if self.width(getattr(self, name), self.attention) < 8:
                raise ValueError(f"{name}={getattr(self, name)} leaves {self.width(getattr(self, name), self.attention)} "
                                 f"channels at {self.attention}x{self.attention}, where self-attention needs 8 or more "
                                 f"(queries and keys have channels // 8 features): raise {name} or move the attention")
        if not isinstance(self.d_spectral, bool):
            raise ValueError(f"d_spectral must be True or False, got {self.d_spectral!r}")

    @property
    def num_chunks(self) -> int:
        """z's chunks: one for the input layer, one per up-block (4 -> img_size by doubling)."""
        return int(math.log2(self.img_size // 4)) + 1

    @property
    def chunk_size(self) -> int:
        return self.z_dim // self.num_chunks

    @staticmethod
    def width(base: int, side: int) -> int:
        """Channels of a feature map of this side: base up to 8x8, halved each time the side doubles
        (the authors' layouts for 64 px and up; the CPU cannot afford full width at 32x32)."""
        return max(1, base * 8 // max(side, 8))


def truncated_noise(n: int, z_dim: int, threshold: float, *, seed: int | None = None) -> Tensor:
    """The truncation trick (BigGAN sec. 3.1): z ~ N(0, I) with every value outside [-t, t] redrawn.

    Each coordinate follows a normal distribution truncated to [-t, t] (redrawing until it lands
    inside is exact: what is kept is a normal draw conditioned on |z| <= t). This is NOT z scaled
    by t: small t keeps G's input near the centre of the distribution it was trained on, where its
    samples are the most typical (fidelity up, variety down). `seed` makes the draw reproducible.
    """
    checks.integer("n", n, minimum=0)
    checks.integer("z_dim", z_dim)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not threshold > 0 \
            or not math.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number > 0 (values outside [-threshold, threshold] are redrawn; "
                         f"the BigGAN paper uses 0.04 to 2), got {threshold!r}")
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"threshold must be >= {MIN_THRESHOLD:g}, got {threshold!r}: a draw lands in [-t, t] with "
                         f"probability erf(t / sqrt 2) ~ 0.8 t, so each value needs ~1.25 / t draws "
                         f"({1.25 / threshold:.3g} here); the BigGAN paper uses 0.04 to 2")
    gen = None if seed is None else torch.Generator().manual_seed(int(seed))
    z = torch.randn(n, z_dim, generator=gen)
    flat = z.view(-1)
    outside = (flat.abs() > threshold).nonzero().squeeze(1)   # indices in increasing order
    while outside.numel():  # each pass redraws the values still outside; P(inside) = erf(t / sqrt 2) per draw
        draws = torch.randn(outside.numel(), generator=gen)
        flat[outside] = draws                                 # the same stream as z[z.abs() > t] = randn(...)
        outside = outside[draws.abs() > threshold]
    return z


@torch.no_grad()
def standing_stats(G: nn.Module, *, n_batches: int = 16, batch_size: int = 64, threshold: float | None = None,
                   seed: int = 0) -> nn.Module:
    """"Standing statistics" (BigGAN appendix C.1): recompute G's batch-norm statistics for sampling.

    In eval mode every BN normalises with its running mean and variance. During training those come
    from the *training* G's batches (an EMA G copies them from G: they belong to other weights) and
    from untruncated z. Here every BN's running statistics are reset and re-estimated from
    `n_batches` batches of `batch_size` samples drawn the way we will sample: z from
    `truncated_noise(threshold)` (or N(0, I) for threshold=None) and uniformly random labels.
    Each BN runs with momentum=None, PyTorch's cumulative average: afterwards running_mean is the
    mean of the batches' means and running_var the mean of their (unbiased) variances.

    Changes G in place and returns it, in eval mode: its BN running statistics (and their
    num_batches_tracked) are replaced, nothing else. Only the BN layers run in training mode, so
    spectral norm's power-iteration vectors u, v stay as they were, and each BN's momentum is put
    back. To keep the original statistics, pass a copy (`copy.deepcopy(G)`). Call it again for each
    truncation threshold you sample at: the statistics depend on it. `seed` fixes z and the labels.
    """
    checks.integer("n_batches", n_batches)
    checks.integer("batch_size", batch_size, minimum=2, why="batch norm needs two or more samples per batch")
    norms = [m for m in G.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        raise ValueError(f"standing_stats re-estimates batch-norm statistics, but {type(G).__name__} has no "
                         f"batch-norm layer")
    device = next(G.parameters()).device
    gen = torch.Generator().manual_seed(int(seed))
    momenta = [m.momentum for m in norms]
    G.eval()
    for m in norms:
        m.reset_running_stats()  # mean 0, variance 1, num_batches_tracked 0
        m.momentum = None        # cumulative average over the batches below, not an EMA
        m.train()                # normalise with each batch's statistics and accumulate them
    try:
        for i in range(n_batches):
            if threshold is None:
                z = torch.randn(batch_size, G.z_dim, generator=gen)
            else:
                z = truncated_noise(batch_size, G.z_dim, threshold, seed=int(torch.randint(2**31, (1,), generator=gen)))
            labels = torch.randint(G.num_classes, (batch_size,), generator=gen)
            G(z.to(device), labels.to(device))
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        G.eval()
    return G


def hierarchical_inputs(z: Tensor, c: Tensor, num_chunks: int) -> tuple[Tensor, list[Tensor]]:
    """Hierarchical latents (skip-z, BigGAN sec. 3, with the shared embedding): z [B, z_dim] -> (z_0, [c_1, ..., c_{n-1}]).

    z is split into `num_chunks` equal chunks; z_0 [B, z_dim / n] feeds G's input layer, and block i
    gets c_i = [c, z_i] [B, shared_dim + z_dim / n], the shared class embedding c [B, shared_dim]
    followed by its own chunk, so that every resolution hears the noise directly and the class.
    """
    if z.dim() != 2 or c.dim() != 2 or len(z) != len(c) or z.shape[1] % num_chunks:
        raise ValueError(f"z [B, z_dim] and c [B, shared_dim] must have the same B and z_dim must split into "
                         f"{num_chunks} equal chunks; got z {list(z.shape)} and c {list(c.shape)}")
    z_0, *rest = z.split(z.shape[1] // num_chunks, dim=1)
    return z_0, [torch.cat([c, z_i], dim=1) for z_i in rest]


# --- Blocks --------------------------------------------------------------------------------------
def _ortho(layer: nn.Module, spectral: bool = True) -> nn.Module:
    """Orthogonal init (the authors' default), zero bias, then spectral norm (whose power-iteration
    vectors are set up from the initialised weight)."""
    nn.init.orthogonal_(layer.weight)
    if getattr(layer, "bias", None) is not None:
        nn.init.zeros_(layer.bias)
    return sn(layer) if spectral else layer


def conv3x3(c_in: int, c_out: int, spectral: bool = True) -> nn.Module:
    return _ortho(nn.Conv2d(c_in, c_out, 3, padding=1), spectral)


def conv1x1(c_in: int, c_out: int, spectral: bool = True) -> nn.Module:
    return _ortho(nn.Conv2d(c_in, c_out, 1), spectral)


class GBlock(nn.Module):
    """[B, c_in, s, s], c [B, cond_dim] -> [B, c_out, 2s, 2s]; both BNs conditioned on the same c."""

    def __init__(self, c_in: int, c_out: int, cond_dim: int):
        super().__init__()
        self.bn1 = ConditionalBatchNorm2d(c_in, cond_dim)
        self.conv1 = conv3x3(c_in, c_out)
        self.bn2 = ConditionalBatchNorm2d(c_out, cond_dim)
        self.conv2 = conv3x3(c_out, c_out)
        self.shortcut = conv1x1(c_in, c_out)  # learned: the side (and maybe the width) changes

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        h = F.interpolate(F.relu(self.bn1(x, c)), scale_factor=2)  # nearest-neighbour upsampling
        h = self.conv2(F.relu(self.bn2(self.conv1(h), c)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2))


class DBlock(nn.Module):
    """[B, c_in, s, s] -> [B, c_out, s/2, s/2] (or s with downsample=False): ReLU -> conv3x3 -> ReLU ->
    conv3x3 -> 2x2 average pool, plus a shortcut. The first block skips the leading ReLU (its input is
    the image) and pools before its 1x1 conv (cheaper, the same function)."""

    def __init__(self, c_in: int, c_out: int, *, downsample: bool, first: bool, spectral: bool):
        super().__init__()
        self.conv1 = conv3x3(c_in, c_out, spectral)  # "wide" D: the hidden width is c_out
        self.conv2 = conv3x3(c_out, c_out, spectral)
        self.shortcut = conv1x1(c_in, c_out, spectral) if downsample or c_in != c_out else None
        self.downsample, self.first = downsample, first

    def _pool(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, 2) if self.downsample else x

    def forward(self, x: Tensor) -> Tensor:
        h = x if self.first else F.relu(x)  # out of place: x itself goes on along the shortcut
        h = self._pool(self.conv2(F.relu(self.conv1(h))))
        if self.shortcut is None:
            return h + x
        skip = self.shortcut(self._pool(x)) if self.first else self._pool(self.shortcut(x))
        return h + skip


# --- The two networks ----------------------------------------------------------------------------
class Generator(nn.Module):
    """(z [B, z_dim], labels [B]) -> images [B, img_channels, img_size, img_size] in [-1, 1].

    `G.embed` is the shared class embedding (no spectral norm) and `G.generate(z, c)` runs G from an
    embedding vector c [B, shared_dim] directly, so two classes' embeddings can be blended
    (chapter 02's `widgets.class_blend` works unchanged).
    """

    def __init__(self, cfg: BigGANConfig):
        super().__init__()
        self.cfg, self.z_dim, self.num_classes = cfg, cfg.z_dim, cfg.num_classes
        chunk = cfg.chunk_size
        sides = [4 * 2**i for i in range(cfg.num_chunks)]           # 4, 8, 16, 32: the input map, then each block's
        widths = [cfg.width(cfg.g_width, s) for s in sides]
        # Shared by every block, no SN. Rows ~ N(0, I) (PyTorch's default), not the authors' orthogonal init
        # (rows of norm ~0.4 for 1000 classes): |e(y)| ~ sqrt(shared_dim) makes the class as loud as a z chunk
        # in every CBN from the first step, which a run of a few thousand steps needs.
        self.embed = nn.Embedding(cfg.num_classes, cfg.shared_dim)
        self.linear = _ortho(nn.Linear(chunk, widths[0] * 4 * 4))    # z_0 -> [B, width, 4, 4]
        self.blocks = nn.ModuleList(GBlock(a, b, cfg.shared_dim + chunk) for a, b in zip(widths[:-1], widths[1:]))
        self.attention_after = sides.index(cfg.attention) - 1 if cfg.attention else -1
        self.attention = SelfAttention(cfg.width(cfg.g_width, cfg.attention), pool=True) if cfg.attention else None
        # output: plain BN (its own gain and bias) -> ReLU -> conv -> tanh
        self.to_image = nn.Sequential(nn.BatchNorm2d(widths[-1]), nn.ReLU(), conv3x3(widths[-1], cfg.img_channels),
                                      nn.Tanh())

    def forward(self, z: Tensor, labels: Tensor) -> Tensor:
        self._check_z(z)
        check_labels(labels, z.shape[0], self.num_classes, "BigGAN Generator")
        return self.generate(z, self.embed(labels))

    def generate(self, z: Tensor, c: Tensor) -> Tensor:
        """G from the class embedding c [B, shared_dim] instead of labels."""
        self._check_z(z)
        if c.dim() != 2 or c.shape != (z.shape[0], self.cfg.shared_dim):
            raise ValueError(f"class embedding c must be [B, shared_dim] = [{z.shape[0]}, {self.cfg.shared_dim}], "
                             f"got {list(c.shape)}")
        z_0, conditions = hierarchical_inputs(z, c, self.cfg.num_chunks)  # z_0, c_i = [e(y), z_i]
        h = self.linear(z_0).view(z.shape[0], -1, 4, 4)              # [B, width, 4, 4]
        for i, (block, c_i) in enumerate(zip(self.blocks, conditions)):
            h = block(h, c_i)
            if i == self.attention_after:
                h = self.attention(h)
        return self.to_image(h)                                      # [B, C, img_size, img_size]

    def _check_z(self, z: Tensor) -> None:
        check_input(z, "BigGAN Generator's z", self.embed.weight, hint="z ~ N(0, I), e.g. torch.randn(B, z_dim)")
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"BigGAN Generator expects z of shape [B, {self.z_dim}], got {list(z.shape)}")
        if self.training and z.shape[0] < 2:
            raise ValueError(f"BigGAN Generator in training mode normalises with the batch's statistics (batch norm), "
                             f"which needs 2 or more samples, got a batch of {z.shape[0]}: call G.eval() to sample one")


class Discriminator(nn.Module):
    """(images [B, C, S, S], labels [B]) -> logits [B]: residual blocks, ReLU, global sum pooling,
    then D(x, y) = psi(phi(x)) + <V[y], phi(x)> (chapter 02's projection)."""

    def __init__(self, cfg: BigGANConfig):
        super().__init__()
        self.cfg, self.num_classes = cfg, cfg.num_classes
        spectral = cfg.d_spectral
        n_down = int(math.log2(cfg.img_size // 8))                   # down to 8x8, then two blocks at 8x8
        sides = [max(8, cfg.img_size // 2**(i + 1)) for i in range(n_down + 2)]   # block outputs: 16, 8, 8, 8
        widths = [cfg.img_channels] + [cfg.width(cfg.d_width, s) for s in sides]
        self.blocks = nn.ModuleList(DBlock(widths[i], widths[i + 1], downsample=i < n_down, first=i == 0,
                                           spectral=spectral) for i in range(len(sides)))
        self.attention_after = sides.index(cfg.attention) if cfg.attention in sides else -1
        self.attention = (SelfAttention(cfg.width(cfg.d_width, cfg.attention), spectral=spectral, pool=True)
                          if self.attention_after >= 0 else None)
        self.psi = _ortho(nn.Linear(widths[-1], 1), spectral)        # unconditional score psi(phi(x))
        self.embed = _ortho(nn.Embedding(cfg.num_classes, widths[-1]), spectral)  # V: one vector per class

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        c, s = self.cfg.img_channels, self.cfg.img_size
        first = self.blocks[0].conv1
        weight = first.parametrizations.weight.original if hasattr(first, "parametrizations") else first.weight
        check_input(x, "BigGAN Discriminator", weight, hint="images are floats in [-1, 1] (x / 127.5 - 1 for 0-255)")
        if x.dim() != 4 or tuple(x.shape[1:]) != (c, s, s):
            raise ValueError(f"BigGAN Discriminator was built for images of shape [B, {c}, {s}, {s}], got "
                             f"{list(x.shape)}; build it with BigGANConfig(img_size=..., img_channels=...) matching "
                             f"the data, or pad/resize the data")
        check_labels(labels, x.shape[0], self.num_classes, "BigGAN Discriminator")
        h = x
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i == self.attention_after:
                h = self.attention(h)
        phi = F.relu(h).sum(dim=(2, 3))                              # global sum pooling: [B, width]
        return projection_logits(phi, self.psi.weight[0], self.psi.bias[0], self.embed.weight, labels)
