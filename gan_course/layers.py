"""Building blocks shared by chapters 05-08: written once, imported by ProGAN, BigGAN, StyleGAN and StyleGAN2.

- Equalized learning rate, pixel norm, minibatch standard deviation: Karras et al., "Progressive
  Growing of GANs for Improved Quality, Stability, and Variation" (ProGAN, arXiv:1710.10196), sec. 3-4.
- Conditional batch norm, self-attention, spectral norm: Brock et al., "Large Scale GAN Training for
  High Fidelity Natural Image Synthesis" (BigGAN, arXiv:1809.11096); Zhang et al., "Self-Attention
  GANs" (arXiv:1805.08318); Miyato et al., "Spectral Normalization for GANs" (arXiv:1802.05957).
- AdaIN and noise inputs: Karras et al., "A Style-Based Generator Architecture for GANs" (StyleGAN,
  arXiv:1812.04948), sec. 2.
- Modulated / demodulated convolution: Karras et al., "Analyzing and Improving the Image Quality of
  StyleGAN" (StyleGAN2, arXiv:1912.04958), sec. 2.2.

Pure PyTorch: everything runs on a CPU, no custom CUDA kernels.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from . import checks

LEAKY_SLOPE = 0.2  # every network of chapters 05-08 uses LeakyReLU(0.2)


# --- Input checks shared by the networks ---------------------------------------------------------------
def check_input(x, who: str, weight: Tensor, *, hint: str = "") -> None:
    """x is a non-empty float tensor of the weights' dtype (float16 / bfloat16 pass too: autocast).

    Cheap, no device sync: only the type, dtype and batch size are read."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expects a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point() or (x.dtype != weight.dtype and x.dtype not in (torch.float16, torch.bfloat16)):
        raise TypeError(f"{who} got a {x.dtype} tensor but its weights are {weight.dtype}: give it {weight.dtype} "
                        f"(x.to({weight.dtype}))" + (f"; {hint}" if hint else ""))
    if x.dim() == 0 or x.shape[0] == 0:
        raise ValueError(f"{who} got an empty batch (shape {list(x.shape)}): give it one sample or more")


def check_values(x: Tensor, who: str, limit: float | None, training: bool, *, valid: str) -> None:
    """x is finite (and |x| <= limit, when a limit is given).

    Reading a value back from a GPU waits for it (a sync), so the check runs on the CPU always and on
    other devices only outside training mode: the training loop on a GPU is not slowed down."""
    if training and x.device.type != "cpu":
        return
    with torch.no_grad():
        bad = ~torch.isfinite(x) if limit is None else ~(x.abs() <= limit)  # NaN fails both tests
        if not bad.any():
            return
        finite = x[torch.isfinite(x)]
        what = ("NaN or inf values" if not torch.isfinite(x).all() else
                f"values in [{finite.min().item():.4g}, {finite.max().item():.4g}]")
    raise ValueError(f"{who} got {what}; it expects {valid}")


# --- Equalized learning rate (ProGAN sec. 4.1) -----------------------------------------------------
# Weights are stored as N(0, 1) and multiplied at run time by gain / sqrt(fan_in) (He's constant).
# Adam divides each step by a running estimate of the gradient's scale, so a stored weight moves by
# about lr per step whatever its layer's fan_in; scaling at run time therefore gives every layer the
# same *relative* learning speed, which a one-off He initialisation does not.
# `lr_mul` (StyleGAN's mapping network: 0.01) slows a layer down: the stored weight is drawn
# N(0, 1 / lr_mul^2) and scaled by lr_mul, so the effective weight starts the same but each Adam
# step of size ~lr on the stored weight moves the effective weight by ~lr * lr_mul.
class EqualizedLinear(nn.Module):
    """y = x (w * scale)^T + b * lr_mul, with w ~ N(0, 1/lr_mul^2) and scale = gain * lr_mul / sqrt(in_features)."""

    def __init__(self, in_features: int, out_features: int, *, bias: bool = True, gain: float = math.sqrt(2),
                 lr_mul: float = 1.0, bias_init: float = 0.0):
        super().__init__()
        checks.integer("in_features", in_features)
        checks.integer("out_features", out_features)
        checks.number("lr_mul", lr_mul, minimum=1e-6)
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init) / lr_mul)) if bias else None
        self.scale = gain * lr_mul / math.sqrt(in_features)
        self.lr_mul = lr_mul

    def forward(self, x: Tensor) -> Tensor:
        bias = None if self.bias is None else self.bias * self.lr_mul
        return F.linear(x, self.weight * self.scale, bias)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[1]}, {self.weight.shape[0]}, scale={self.scale:.4g}, lr_mul={self.lr_mul}"


class EqualizedConv2d(nn.Module):
    """A convolution whose N(0, 1) weights are scaled at run time by gain / sqrt(in_channels * k * k)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, stride: int = 1,
                 padding: int | None = None, bias: bool = True, gain: float = math.sqrt(2), lr_mul: float = 1.0):
        super().__init__()
        checks.integer("in_channels", in_channels)
        checks.integer("out_channels", out_channels)
        checks.integer("kernel_size", kernel_size)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size) / lr_mul)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.scale = gain * lr_mul / math.sqrt(in_channels * kernel_size * kernel_size)
        self.lr_mul, self.stride = lr_mul, stride
        self.padding = kernel_size // 2 if padding is None else padding  # "same" for odd kernels

    def forward(self, x: Tensor) -> Tensor:
        bias = None if self.bias is None else self.bias * self.lr_mul
        return F.conv2d(x, self.weight * self.scale, bias, stride=self.stride, padding=self.padding)

    def extra_repr(self) -> str:
        o, i, k, _ = self.weight.shape
        return f"{i}, {o}, kernel_size={k}, stride={self.stride}, padding={self.padding}, scale={self.scale:.4g}"


# --- Pixel norm (ProGAN sec. 4.2) ------------------------------------------------------------------
def pixel_norm(x: Tensor, eps: float = 1e-8) -> Tensor:
    """Each pixel's feature vector scaled to unit mean square: x / sqrt(mean_c x_c^2 + eps).

    For z [B, D] it normalises every latent; for feature maps [B, C, H, W] every pixel separately.
    ProGAN puts it after every conv of G: it stops the magnitudes of G's and D's signals escalating
    against each other, without BN's dependence on the batch.
    """
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


class PixelNorm(nn.Module):
    """`pixel_norm` as a layer."""

    def forward(self, x: Tensor) -> Tensor:
        return pixel_norm(x)


# --- Minibatch standard deviation (ProGAN sec. 3) ------------------------------------------------------
def minibatch_stddev(x: Tensor, group_size: int = 4) -> Tensor:
    """Append one feature map: the average standard deviation of the features within a group.

    x [N, C, H, W] -> [N, C + 1, H, W]. The batch is split into N / G groups of G = min(group_size, N)
    samples, *strided*: sample n belongs to group n mod (N / G), exactly as the authors' reshape
    x.view(G, N / G, ...) does. For each group: the standard deviation of every feature and pixel over
    its G samples, averaged into one number, which is broadcast to an extra channel for the group's
    samples. A batch of near-identical fakes (mode collapse) gets a small number, which D can see.
    """
    checks.integer("group_size (samples per minibatch-stddev group)", group_size)
    if x.dim() != 4 or x.shape[0] == 0:
        raise ValueError(f"minibatch stddev needs a non-empty batch of feature maps [N, C, H, W], got {list(x.shape)}")
    n, c, h, w = x.shape
    g = min(group_size, n)
    if n % g:
        raise ValueError(f"minibatch stddev splits the batch into groups of {g}: the batch size must be divisible "
                         f"by {g}, got {n}. Use a batch size that is a multiple of {g}, or set group_size to a divisor of it")
    y = x.view(g, n // g, c, h, w)                         # [G, M, C, H, W]: y[:, m] is group m (samples m, m + M, ...)
    # [M, C, H, W]: over the G members of each group (written out: Tensor.var over dim 0 is ~30x slower on a CPU)
    std = ((y - y.mean(dim=0)).square().mean(dim=0) + 1e-8).sqrt()
    std = std.mean(dim=(1, 2, 3))                          # [M]: one number per group
    feature = std.view(1, n // g, 1, 1, 1).expand(g, n // g, 1, h, w).reshape(n, 1, h, w)
    return torch.cat([x, feature], dim=1)


class MinibatchStdDev(nn.Module):
    """`minibatch_stddev` as a layer (D's last block, before its final convolutions)."""

    def __init__(self, group_size: int = 4):
        super().__init__()
        self.group_size = checks.integer("group_size", group_size)

    def forward(self, x: Tensor) -> Tensor:
        return minibatch_stddev(x, self.group_size)

    def extra_repr(self) -> str:
        return f"group_size={self.group_size}"


# --- Spectral norm, conditional batch norm, self-attention (BigGAN) -----------------------------------
def sn(module: nn.Module) -> nn.Module:
    """Spectral normalisation (Miyato et al.): the weight divided by its largest singular value,
    estimated by one power iteration per forward pass in training mode (PyTorch's built-in)."""
    return spectral_norm(module, eps=1e-6)


def _orthogonal(layer: nn.Module) -> nn.Module:
    """BigGAN's initialisation (its code's `--G_init ortho` / `--D_init ortho`, applied to every conv, linear
    and embedding): the weight, seen as [out, fan_in], gets orthonormal rows (or columns)."""
    nn.init.orthogonal_(layer.weight)
    return layer


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm whose scale and shift come from a conditioning vector c (class embedding + noise chunk).

    y = (1 + gamma(c)) * BN(x) + beta(c), with BN without its own affine parameters and gamma, beta
    linear maps of c (spectrally normalised, no bias, orthogonally initialised, as in BigGAN's code).
    The "1 +" centres the gain on 1 (a gain gamma(c) alone would centre it on 0); with gamma = beta = 0
    the layer is exactly BN. How large gamma(c) starts depends on c and the widths. In the course's
    BigGAN G (its shared embedding starts N(0, I), a stated deviation, and every CBN is narrower than
    c, so W_gamma has orthonormal rows) c = [e(y), z_i] ~ N(0, I) and every gamma_k(c) is N(0, 1):
    about 16 % of the gains 1 + gamma are negative. In the authors' 128-px configuration (orthogonally
    initialised embedding, CBNs of 384-1536 channels wider than c, so W_gamma has orthonormal columns)
    gamma's spread is about 0.1-0.23 and the layer starts close to a plain BN.
    """

    def __init__(self, num_features: int, cond_dim: int, *, spectral: bool = True):
        super().__init__()
        self.bn = nn.BatchNorm2d(num_features, affine=False)
        wrap = sn if spectral else (lambda m: m)
        self.gain = wrap(_orthogonal(nn.Linear(cond_dim, num_features, bias=False)))   # gamma(c)
        self.bias = wrap(_orthogonal(nn.Linear(cond_dim, num_features, bias=False)))   # beta(c)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        if c.dim() != 2 or c.shape[0] != x.shape[0]:
            raise ValueError(f"ConditionalBatchNorm2d needs one conditioning vector per sample, [B={x.shape[0]}, "
                             f"cond_dim], got {list(c.shape)}")
        gain = 1 + self.gain(c)[:, :, None, None]  # [B, C, 1, 1]
        bias = self.bias(c)[:, :, None, None]
        return gain * self.bn(x) + bias


def attention(query: Tensor, key: Tensor, value: Tensor) -> Tensor:
    """softmax(Q^T K) applied to V, over positions: query [B, d, N], key [B, d, M], value [B, v, M] -> [B, v, N].

    Output position n is the average of the values at all M positions, weighted by
    softmax_m(q_n . k_m): every pixel can look at every other, however far apart.
    """
    beta = torch.softmax(query.transpose(1, 2) @ key, dim=-1)   # [B, N, M]: rows sum to 1
    return value @ beta.transpose(1, 2)                          # [B, v, N]


class SelfAttention(nn.Module):
    """SAGAN's self-attention block: y = x + gamma * o(attention(q(x), k(x), v(x))), gamma learned, starting at 0.

    q, k: 1x1 convs to C/8 channels; v: 1x1 conv to C/2 channels; o: 1x1 conv back to C (the sizes of
    the SAGAN and BigGAN code). With gamma = 0 the block is the identity, so a network can learn to use
    the non-local evidence gradually. `pool=True` max-pools keys and values 2x2, as BigGAN does to
    save memory at high resolution.
    """

    def __init__(self, channels: int, *, spectral: bool = True, pool: bool = False):
        super().__init__()
        checks.integer("channels", channels, minimum=8, why="queries and keys have channels // 8 features")
        wrap = sn if spectral else (lambda m: m)   # orthogonal init first, as BigGAN's code does every conv
        self.q = wrap(_orthogonal(nn.Conv2d(channels, channels // 8, 1, bias=False)))
        self.k = wrap(_orthogonal(nn.Conv2d(channels, channels // 8, 1, bias=False)))
        self.v = wrap(_orthogonal(nn.Conv2d(channels, channels // 2, 1, bias=False)))
        self.o = wrap(_orthogonal(nn.Conv2d(channels // 2, channels, 1, bias=False)))
        self.gamma = nn.Parameter(torch.zeros(()))
        self.pool = pool

    def forward(self, x: Tensor) -> Tensor:
        b, c, h, w = x.shape
        k, v = self.k(x), self.v(x)
        if self.pool:
            k, v = F.max_pool2d(k, 2), F.max_pool2d(v, 2)
        out = attention(self.q(x).flatten(2), k.flatten(2), v.flatten(2))   # [B, C/2, H*W]
        return x + self.gamma * self.o(out.view(b, c // 2, h, w))


# --- AdaIN and noise (StyleGAN sec. 2) -------------------------------------------------------------------
def adain(x: Tensor, scale: Tensor, bias: Tensor, eps: float = 1e-8) -> Tensor:
    """The paper's eq. 1, AdaIN(x_i, y) = y_s,i * (x_i - mu(x_i)) / sigma(x_i) + y_b,i.

    x [B, C, H, W]; scale y_s and bias y_b [B, C], one pair per sample and channel. mu and sigma are
    each feature map's own mean and (biased) standard deviation over its H * W pixels (instance norm),
    so the output's feature map i has exactly mean y_b,i and standard deviation |y_s,i|.
    """
    if scale.shape != x.shape[:2] or bias.shape != x.shape[:2]:
        raise ValueError(f"adain needs a scale and a bias per sample and channel, [B, C] = {list(x.shape[:2])}; "
                         f"got scale {list(scale.shape)} and bias {list(bias.shape)}")
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = (x.var(dim=(2, 3), keepdim=True, unbiased=False) + eps).sqrt()
    return scale[:, :, None, None] * (x - mean) / std + bias[:, :, None, None]


class AdaIN(nn.Module):
    """Adaptive instance norm: each feature map normalised to zero mean and unit std, then given the
    style's per-channel scale and bias: y = (1 + s(w)) * (x - mu(x)) / sigma(x) + b(w).

    s and b come from one learned affine map A of w (equalized, gain 1). The "1 +" makes the scale
    start around 1 (the authors' code); whatever statistics the previous layer produced are replaced
    by the style's, which is why a style controls its layer and no other.
    """

    def __init__(self, channels: int, w_dim: int, eps: float = 1e-8):
        super().__init__()
        self.style = EqualizedLinear(w_dim, 2 * channels, gain=1.0)  # A: w -> (s, b)
        self.eps = eps

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        if w.dim() != 2 or w.shape[0] != x.shape[0]:
            raise ValueError(f"AdaIN needs one w per sample, [B={x.shape[0]}, w_dim], got {list(w.shape)}")
        scale, bias = self.style(w).chunk(2, dim=1)   # [B, C] each
        return adain(x, 1 + scale, bias, self.eps)


class NoiseInjection(nn.Module):
    """x + weight * noise: one N(0, 1) value per pixel, the same for every channel, scaled by a learned weight
    that starts at 0 (so the layer starts as the identity). StyleGAN adds it after each conv, before AdaIN: the
    stochastic details (hair, freckles) that need not be decided by w.

    `channels`: StyleGAN's weight is per channel (NoiseInjection(C)); StyleGAN2's is ONE scalar per layer
    (NoiseInjection(None): NVlabs/stylegan2-ada-pytorch training/networks.py:283,
    `self.noise_strength = torch.nn.Parameter(torch.zeros([]))`; TF StyleGAN2's `noise_strength` has shape []).
    """

    def __init__(self, channels: int | None):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros([] if channels is None else [channels]))

    def forward(self, x: Tensor, noise: Tensor | None = None) -> Tensor:
        b, _, h, w = x.shape
        if noise is None:
            noise = torch.randn(b, 1, h, w, device=x.device, dtype=x.dtype)
        elif noise.shape != (b, 1, h, w):
            raise ValueError(f"noise must be [B, 1, H, W] = {[b, 1, h, w]} (one value per pixel), got {list(noise.shape)}")
        weight = self.weight.view(1, -1, 1, 1) if self.weight.dim() else self.weight  # per channel, or one scalar
        return x + weight * noise


# --- Modulated convolution (StyleGAN2 sec. 2.2) ------------------------------------------------------------
def modulated_conv2d(x: Tensor, weight: Tensor, styles: Tensor, *, demodulate: bool = True,
                     padding: int = 0) -> Tensor:
    """Modulate, convolve, demodulate, as (x * s) -> ordinary conv -> (* d).

    The paper's definition scales the weights per sample, w'_oik = s_i * w_oik, and (demodulation)
    divides each output channel by d_o = sqrt(sum_ik w'_oik^2 + 1e-8), so unit-variance inputs give
    unit-variance outputs. Scaling the weights' input channel i by s_i is the same as scaling the
    input feature map i by s_i, and dividing output o is the same after the conv, so one ordinary
    convolution with the shared weights does it for the whole batch; d comes from s^2 and the
    weights' squared norms. `modulated_conv2d_grouped` is the per-sample-weight form (a test checks
    both agree).

    x [B, I, H, W], weight [O, I, k, k], styles s [B, I] -> [B, O, H', W'].
    """
    b, i = styles.shape
    if x.shape[:2] != (b, i) or weight.shape[1] != i:
        raise ValueError(f"x {list(x.shape)}, weight {list(weight.shape)} and styles {list(styles.shape)} must agree "
                         f"on the batch size and the number of input channels")
    out = F.conv2d(x * styles[:, :, None, None], weight, padding=padding)
    if demodulate:
        # sum_ik (s_i w_oik)^2 = sum_i s_i^2 sum_k w_oik^2: [B, I] @ [I, O] -> [B, O]
        d = (styles.square() @ weight.square().sum(dim=(2, 3)).T + 1e-8).rsqrt()
        out = out * d[:, :, None, None]
    return out


def modulated_conv2d_grouped(x: Tensor, weight: Tensor, styles: Tensor, *, demodulate: bool = True,
                             padding: int = 0) -> Tensor:
    """The textbook form: build each sample's own weights w'_b = s_b * w (and demodulate them), then run
    all samples at once as a grouped convolution with B groups. Equal to `modulated_conv2d`."""
    b, i = styles.shape
    o, _, k, _ = weight.shape
    w = weight[None] * styles[:, None, :, None, None]                        # [B, O, I, k, k]
    if demodulate:
        w = w * (w.square().sum(dim=(2, 3, 4), keepdim=True) + 1e-8).rsqrt()
    out = F.conv2d(x.reshape(1, b * i, *x.shape[2:]), w.reshape(b * o, i, k, k), padding=padding, groups=b)
    return out.view(b, o, *out.shape[2:])


class ModulatedConv2d(nn.Module):
    """A convolution whose input channels are scaled per sample by a style s = A(w) (the affine map's
    bias starts at 1, so s starts around 1), with optional demodulation. `demodulate=False` is toRGB:
    the image's colours should follow the style, not be renormalised."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, w_dim: int, *, demodulate: bool = True):
        super().__init__()
        self.affine = EqualizedLinear(w_dim, in_channels, gain=1.0, bias_init=1.0)  # A: w -> s, s ~ 1 at init
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.scale = 1 / math.sqrt(in_channels * kernel_size * kernel_size)          # equalized learning rate
        self.demodulate, self.padding = demodulate, kernel_size // 2

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        styles = self.affine(w)  # [B, I]
        return modulated_conv2d(x, self.weight * self.scale, styles, demodulate=self.demodulate, padding=self.padding)
