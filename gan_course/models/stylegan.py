"""StyleGAN: Karras, Laine & Aila, "A Style-Based Generator Architecture for Generative Adversarial
Networks" (arXiv:1812.04948). Chapter 07.

Section 2 of the paper, as code. The generator is two networks:

- the **mapping network** f: z -> w, pixel norm on z then `mapping_layers` (8) equalized dense
  layers with LeakyReLU, whose learning rate is multiplied by 0.01. w lives in the learned
  intermediate latent space W, which need not follow any fixed distribution;
- the **synthesis network** g: it starts from a *learned constant* 4x4 input (not from z) and
  doubles the resolution up to `img_size`. After each of its convolutions (and after the constant)
  come per-pixel **noise** (one N(0, 1) map broadcast over the channels, scaled per channel by a
  learned weight that starts at 0), a bias, LeakyReLU and **AdaIN**, whose scale and bias are an
  affine map A of that layer's w. One w per layer: `num_ws` = 2 per resolution.

`Generator.forward(z)` runs f, copies w to every layer and, in training mode, does **style mixing**
(sec. 3.1): with probability 0.9 a second z' gives the layers from a random crossover on. A running
average of w (decay 0.995, training mode only) is the centre for the **truncation trick in W**
(sec. 3.1 end, appendix B): w' = w_avg + psi (w - w_avg), usually on the coarse layers only.

The discriminator is chapter 05's at a fixed resolution (its blocks, minibatch stddev included).
We train at a fixed 32x32 instead of growing (the paper grew its networks as ProGAN did; chapter 05
showed growing, and its StyleGAN2 successor dropped it): see the chapter's notebook.

The authors' code (NVlabs/stylegan, training/networks_stylegan.py) upsamples by repeating pixels,
convolves, then low-pass filters with [1, 2, 1]; here one bilinear upsampling does the job of the
first and last step (the paper's "bilinear sampling").

The generator protocol, which chapter 08's StyleGAN2, the widgets of `gan_course/widgets/stylegan.py`
and the loop's path-length regulariser rely on (any style generator provides it):

    G.z_dim, G.w_dim, G.num_ws                 sizes: z, w, and the number of per-layer styles
    G.mapping(z) -> w [B, w_dim]               pixel-normed z in; updates G.mapping.w_avg in training mode
    G.w_avg                                    the running average of w (a buffer of the mapping network)
    G.synthesis(ws [B, num_ws, w_dim], noise=...) -> images
    G.synthesis.noise_sizes                    the side of each noise input, e.g. (4, 4, 8, 8, 16, 16, 32, 32)
    G(z)                                       mapping -> broadcast -> (style mixing, training only) -> synthesis

`noise` is "random" (fresh N(0, 1) maps), "none" (no noise anywhere), or a list with one entry per
noise input: a tensor [B or 1, 1, s, s] (s = noise_sizes[i]; a batch of 1 is shared by all samples)
or None (no noise at that layer). `truncate`, `style_mix` and `noise_inputs` below work on any such G.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import checks
from ..layers import AdaIN, EqualizedConv2d, EqualizedLinear, NoiseInjection, pixel_norm
from . import progan
from .progan import lrelu

FIRST_SIZE = 4            # the learned constant is 4x4
W_AVG_BETA = 0.995        # decay of the running average of w (the authors' dlatent_avg_beta)
PSI_RANGE = (-1.0, 2.0)   # truncation psi: [0, 1] pulls towards w_avg; < 0 mirrors through it (the authors'
                          # figures go to -1), > 1 extrapolates away from it (up to 2 still draws images)


@dataclass
class StyleGANConfig:
    img_size: int = 32              # a power of two >= 8 (chapter 05's D needs it)
    img_channels: int = 1           # 1 (grey) or 3 (RGB)
    z_dim: int = 128                # the paper: 512
    w_dim: int = 128                # the paper: 512; also the width of the mapping network's layers
    mapping_layers: int = 8         # the paper: 8; 0 = no mapping network (w = pixel-normed z, w_dim = z_dim)
    mapping_lr_mul: float = 0.01    # the paper: 0.01; the mapping network's learning rate relative to the rest
    fmap_base: int = 2048           # channels at resolution r: min(fmap_max, fmap_base // r), as chapter 05
    fmap_max: int = 128
    style_mixing_prob: float = 0.9  # probability of mixing two w's in a training batch (0 = off)
    mbstd_group_size: int = 4       # D's minibatch stddev groups (0 = off)
    use_noise: bool = True          # the noise inputs (False: G(z) draws without them, also in train_gan)

    def __post_init__(self):
        size = checks.power_of_two("img_size", self.img_size, minimum=8,
                                   why="the synthesis network doubles a 4x4 constant")
        checks.choice("img_channels (1 grey or 3 RGB)", self.img_channels, (1, 3))
        checks.integer("z_dim", self.z_dim, maximum=4096)
        checks.integer("w_dim", self.w_dim, maximum=4096)
        checks.integer("mapping_layers (0 = no mapping network)", self.mapping_layers, minimum=0, maximum=32)
        if self.mapping_layers == 0 and self.w_dim != self.z_dim:
            raise ValueError(f"without a mapping network (mapping_layers=0) w is the pixel-normed z, so w_dim must "
                             f"equal z_dim; got w_dim={self.w_dim}, z_dim={self.z_dim}")
        checks.number("mapping_lr_mul (the mapping network's learning-rate multiplier, > 0)", self.mapping_lr_mul,
                      minimum=1e-6, maximum=1)
        checks.integer("fmap_base", self.fmap_base)
        checks.integer("fmap_max", self.fmap_max, maximum=4096)
        checks.number("style_mixing_prob", self.style_mixing_prob, minimum=0, maximum=1)
        checks.integer("mbstd_group_size (0 = off)", self.mbstd_group_size, minimum=0)
        if not isinstance(self.use_noise, bool):
            raise ValueError(f"use_noise must be True or False, got {self.use_noise!r}")
        if self.channels(size) < 1:
            raise ValueError(f"fmap_base={self.fmap_base} leaves no channels at {size}x{size}: raise it to at least {size}")

    @property
    def resolutions(self) -> tuple[int, ...]:
        """The side of the feature maps, block by block: (4, 8, ..., img_size)."""
        return tuple(FIRST_SIZE * 2**k for k in range(int(math.log2(self.img_size // FIRST_SIZE)) + 1))

    @property
    def num_ws(self) -> int:
        """One style per layer: two layers per resolution (8 at 32x32; the paper's 18 at 1024x1024)."""
        return 2 * len(self.resolutions)

    def channels(self, resolution: int) -> int:
        return min(self.fmap_max, self.fmap_base // resolution)


# --- What the training and the tools do with styles -------------------------------------------------------
def broadcast(w: Tensor, num_ws: int) -> Tensor:
    """One w per layer: [B, w_dim] -> [B, num_ws, w_dim]."""
    return w.unsqueeze(1).repeat(1, num_ws, 1)


def _check_styles(ws: Tensor, name: str = "ws") -> None:
    if not isinstance(ws, Tensor) or ws.dim() != 3:
        shape = list(ws.shape) if isinstance(ws, Tensor) else type(ws).__name__
        raise ValueError(f"{name} must be per-layer styles [B, num_ws, w_dim], got {shape}")


def _check_layer(name: str, value, num_ws: int) -> int:
    return checks.integer(f"{name} (a layer index in [0, num_ws={num_ws}])", value, minimum=0, maximum=num_ws)


def style_mix(ws_a: Tensor, ws_b: Tensor, crossover: int) -> Tensor:
    """Layers [0, crossover) from ws_a, layers [crossover, num_ws) from ws_b (both [B, num_ws, w_dim]).

    crossover = 0 is all of b, crossover = num_ws all of a. A small crossover gives b's styles on
    almost every layer but a's on the coarsest; a large one, a's styles with b's finest details.
    """
    _check_styles(ws_a, "ws_a")
    _check_styles(ws_b, "ws_b")
    if ws_a.shape != ws_b.shape:
        raise ValueError(f"style_mix needs two style tensors of one shape, got {list(ws_a.shape)} and {list(ws_b.shape)}")
    num_ws = ws_a.shape[1]
    _check_layer("crossover", crossover, num_ws)
    from_a = (torch.arange(num_ws, device=ws_a.device) < crossover)[None, :, None]  # [1, num_ws, 1]
    return torch.where(from_a, ws_a, ws_b)


def mixing_crossover(num_ws: int, prob: float) -> int:
    """The training's random crossover (the authors' per-batch draw): with probability `prob` a layer
    uniform in [1, num_ws - 1] (so both w's are used), else num_ws (no mixing). Uses torch's RNG."""
    if prob > 0 and torch.rand(()).item() < prob:
        return int(torch.randint(1, num_ws, ()).item())
    return num_ws


def truncate(ws: Tensor, w_avg: Tensor, psi: float, cutoff: int | None = None) -> Tensor:
    """The truncation trick in W: w' = w_avg + psi * (w - w_avg) on layers [0, cutoff), unchanged above.

    ws [B, num_ws, w_dim], w_avg [w_dim]; psi = 1 changes nothing, psi = 0 gives every sample the
    average w on those layers; cutoff None = every layer. The authors truncate the coarse layers only
    (cutoff 8 of 18 at 1024x1024): pose and shape move to the average, details stay varied.

    Valid psi: PSI_RANGE = [-1, 2]. The trick is meant for [0, 1]; psi < 0 mirrors w through the
    average (the StyleGAN paper's figure 8 shows psi = -1, the "anti-face"), psi > 1 pushes w further
    out than training drew it. Far outside, the styles leave W altogether (psi = 1e6 is no image of G).
    """
    _check_styles(ws)
    num_ws = ws.shape[1]
    checks.number("psi (truncation strength: 1 = none, 0 = the average w, [0, 1] the usual range, < 0 mirrors "
                  "through the average)", psi, minimum=PSI_RANGE[0], maximum=PSI_RANGE[1])
    cutoff = num_ws if cutoff is None else _check_layer("cutoff", cutoff, num_ws)
    if w_avg.shape != ws.shape[2:]:
        raise ValueError(f"w_avg must be one w [w_dim={ws.shape[2]}], got {list(w_avg.shape)}")
    layer_psi = torch.where(torch.arange(num_ws, device=ws.device) < cutoff, psi, 1.0).to(ws.dtype)  # [num_ws]
    return torch.lerp(w_avg.expand_as(ws), ws, layer_psi[None, :, None].expand_as(ws))  # exact at psi = 0 and 1


def noise_inputs(noise_sizes, batch_size: int = 1, seed: int | None = None) -> list[Tensor]:
    """One N(0, 1) map [batch_size, 1, s, s] per noise input, from its own seeded generator (seed None:
    torch's global one): pass them as `synthesis(ws, noise=...)` to fix the stochastic details."""
    gen = None if seed is None else torch.Generator().manual_seed(int(seed))
    return [torch.randn(batch_size, 1, s, s, generator=gen) for s in noise_sizes]


# --- The mapping network --------------------------------------------------------------------------------
class MappingNetwork(nn.Module):
    """f: z [B, z_dim] -> w [B, w_dim]: pixel norm, then n_layers x (equalized dense, LeakyReLU).

    Every layer learns lr_mul (0.01) times slower than the synthesis network (equalized lr with a
    learning-rate multiplier, `layers.EqualizedLinear`). In training mode each call moves the
    buffer `w_avg` towards the batch's mean w: w_avg <- beta w_avg + (1 - beta) mean(w).
    """

    def __init__(self, z_dim: int, w_dim: int, n_layers: int = 8, lr_mul: float = 0.01, w_avg_beta: float = W_AVG_BETA):
        super().__init__()
        self.z_dim, self.w_dim, self.w_avg_beta = z_dim, w_dim, w_avg_beta
        self.layers = nn.ModuleList([EqualizedLinear(z_dim if i == 0 else w_dim, w_dim, lr_mul=lr_mul)
                                     for i in range(n_layers)])
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: Tensor, update_w_avg: bool = True) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"the mapping network expects z of shape [B, {self.z_dim}], got {list(z.shape)}")
        if len(z) == 0:   # the mean of an empty batch is NaN: it would poison w_avg in training mode
            raise ValueError(f"the mapping network needs a batch of at least one z [B >= 1, {self.z_dim}], "
                             f"got an empty batch")
        w = pixel_norm(z)                       # z on the sphere of radius sqrt(z_dim)
        for layer in self.layers:
            w = lrelu(layer(w))                 # the authors' last layer has its LeakyReLU too
        if self.training and update_w_avg:
            with torch.no_grad():
                self.w_avg.lerp_(w.detach().mean(dim=0), 1 - self.w_avg_beta)
        return w


# --- The synthesis network ------------------------------------------------------------------------------
class LayerEpilogue(nn.Module):
    """After each conv (and after the constant): + noise, + bias, LeakyReLU, AdaIN(w). [B, C, H, W] -> same."""

    def __init__(self, channels: int, w_dim: int):
        super().__init__()
        self.noise = NoiseInjection(channels)                # per-channel weights, starting at 0
        self.bias = nn.Parameter(torch.zeros(channels))
        self.adain = AdaIN(channels, w_dim)                  # scale 1 + s(w), bias b(w)

    def forward(self, x: Tensor, w: Tensor, noise: Tensor | str | None) -> Tensor:
        if noise is not None:                                # "random": NoiseInjection draws it
            x = self.noise(x, None if isinstance(noise, str) else noise)
        x = lrelu(x + self.bias.view(1, -1, 1, 1))
        return self.adain(x, w)


class SynthesisBlock(nn.Module):
    """[B, c_in, H, W] -> [B, c_out, 2H, 2W]: bilinear upsampling, conv3x3 + epilogue, conv3x3 + epilogue."""

    def __init__(self, c_in: int, c_out: int, w_dim: int):
        super().__init__()
        self.conv0, self.conv1 = EqualizedConv2d(c_in, c_out, 3, bias=False), EqualizedConv2d(c_out, c_out, 3, bias=False)
        self.epilogue0, self.epilogue1 = LayerEpilogue(c_out, w_dim), LayerEpilogue(c_out, w_dim)

    def forward(self, x: Tensor, ws: Tensor, noise: list) -> Tensor:  # ws [B, 2, w_dim]: this block's styles
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = self.epilogue0(self.conv0(x), ws[:, 0], noise[0])
        return self.epilogue1(self.conv1(x), ws[:, 1], noise[1])


class SynthesisNetwork(nn.Module):
    """g: ws [B, num_ws, w_dim] -> images [B, img_channels, img_size, img_size] (linear output, no tanh).

    4x4: the learned constant + epilogue, conv3x3 + epilogue; then one `SynthesisBlock` per doubling;
    a 1x1 toRGB (gain 1) at the end. Layer k uses style ws[:, k] and noise input k.
    """

    def __init__(self, cfg: StyleGANConfig):
        super().__init__()
        res, ch = cfg.resolutions, cfg.channels
        self.w_dim, self.num_ws, self.use_noise = cfg.w_dim, cfg.num_ws, cfg.use_noise
        self.noise_sizes = tuple(r for r in res for _ in range(2))      # two layers per resolution
        self.const = nn.Parameter(torch.ones(1, ch(res[0]), FIRST_SIZE, FIRST_SIZE))  # the authors: ones
        self.epilogue0 = LayerEpilogue(ch(res[0]), cfg.w_dim)
        self.conv = EqualizedConv2d(ch(res[0]), ch(res[0]), 3, bias=False)
        self.epilogue1 = LayerEpilogue(ch(res[0]), cfg.w_dim)
        self.blocks = nn.ModuleList([SynthesisBlock(ch(a), ch(b), cfg.w_dim) for a, b in zip(res[:-1], res[1:])])
        self.to_rgb = EqualizedConv2d(ch(res[-1]), cfg.img_channels, 1, gain=1.0)

    def forward(self, ws, noise="random") -> Tensor:
        ws = self._styles(ws)
        noise = self._noise(noise, len(ws))
        x = self.const.expand(len(ws), -1, -1, -1)                       # [B, C, 4, 4]: the same for everyone
        x = self.epilogue0(x, ws[:, 0], noise[0])
        x = self.epilogue1(self.conv(x), ws[:, 1], noise[1])
        for k, block in enumerate(self.blocks, start=1):
            x = block(x, ws[:, 2 * k:2 * k + 2], noise[2 * k:2 * k + 2])  # [B, C', 2r, 2r]
        return self.to_rgb(x)

    def _styles(self, ws) -> Tensor:
        if isinstance(ws, (list, tuple)):                                # one [B, w_dim] per layer
            if len(ws) != self.num_ws:
                raise ValueError(f"the synthesis network takes one style per layer: a list of {self.num_ws} "
                                 f"tensors [B, {self.w_dim}], got a list of {len(ws)}")
            ws = torch.stack(list(ws), dim=1)
        if not isinstance(ws, Tensor) or ws.dim() != 3 or ws.shape[1:] != (self.num_ws, self.w_dim):
            shape = list(ws.shape) if isinstance(ws, Tensor) else type(ws).__name__
            raise ValueError(f"the synthesis network takes styles [B, num_ws={self.num_ws}, w_dim={self.w_dim}] "
                             f"(one w per layer; broadcast(w, num_ws) repeats one w), got {shape}")
        return ws

    def _noise(self, noise, batch_size: int) -> list:
        """The noise argument as one entry per layer: "random", None (off) or a [B, 1, s, s] tensor.
        A network built with use_noise=False has no noise inputs: every entry is None, whatever is asked."""
        if isinstance(noise, str):
            checks.choice("noise", noise, ("random", "none"))
            off = noise == "none" or not self.use_noise
            return [None if off else "random"] * len(self.noise_sizes)
        if not isinstance(noise, (list, tuple)) or len(noise) != len(self.noise_sizes):
            got = f"a list of {len(noise)}" if isinstance(noise, (list, tuple)) else repr(type(noise).__name__)
            raise ValueError(f'noise must be "random", "none", or a list of {len(self.noise_sizes)} entries (one per '
                             f"layer, sides {self.noise_sizes}), each a tensor [B, 1, s, s] or None; got {got}")
        out = []
        for k, (n, s) in enumerate(zip(noise, self.noise_sizes)):
            if n is not None and (not isinstance(n, Tensor) or n.dim() != 4 or n.shape[1:] != (1, s, s)
                                  or n.shape[0] not in (1, batch_size)):
                shape = list(n.shape) if isinstance(n, Tensor) else type(n).__name__
                raise ValueError(f"noise[{k}] must be a tensor [{batch_size} or 1, 1, {s}, {s}] or None, got {shape}")
            out.append(None if n is None else n.to(self.const).expand(batch_size, -1, -1, -1))
        return out if self.use_noise else [None] * len(out)


# --- The two networks --------------------------------------------------------------------------------
class Generator(nn.Module):
    """z [B, z_dim] -> images [B, img_channels, img_size, img_size]: mapping, broadcast, (mixing), synthesis."""

    def __init__(self, cfg: StyleGANConfig):
        super().__init__()
        self.cfg = cfg
        self.z_dim, self.w_dim, self.num_ws = cfg.z_dim, cfg.w_dim, cfg.num_ws
        self.style_mixing_prob = cfg.style_mixing_prob
        self.mapping = MappingNetwork(cfg.z_dim, cfg.w_dim, cfg.mapping_layers, lr_mul=cfg.mapping_lr_mul)
        self.synthesis = SynthesisNetwork(cfg)

    @property
    def w_avg(self) -> Tensor:
        return self.mapping.w_avg

    def forward(self, z: Tensor, noise="random") -> Tensor:
        ws = broadcast(self.mapping(z), self.num_ws)                     # [B, num_ws, w_dim]
        if self.training and self.style_mixing_prob > 0:
            crossover = mixing_crossover(self.num_ws, self.style_mixing_prob)
            if crossover < self.num_ws:                                  # a second w for the layers from it on
                w2 = self.mapping(torch.randn_like(z), update_w_avg=False)
                ws = style_mix(ws, broadcast(w2, self.num_ws), crossover)
        return self.synthesis(ws, noise=noise)


class Discriminator(nn.Module):
    """images [B, img_channels, img_size, img_size] -> logits [B]: chapter 05's D at its final resolution.

    fromRGB (1x1), then per halving two conv3x3 and 2x2 average pooling (`progan.DBlock`), then the
    4x4 epilogue with minibatch stddev (`progan.DiscriminatorEpilogue`). ProGAN's D, except that the
    StyleGAN paper's D also low-pass filters ([1, 2, 1]) before each downsampling (NVlabs/stylegan,
    training/networks_stylegan.py, D_basic's `blur2d` before `downscale2d`); we leave the blur out.
    """

    def __init__(self, cfg: StyleGANConfig):
        super().__init__()
        self.cfg = cfg
        res, ch = cfg.resolutions, cfg.channels
        self.from_rgb = progan.FromRGB(cfg.img_channels, ch(res[-1]))
        self.blocks = nn.Sequential(*[progan.DBlock(ch(b), ch(a)) for a, b in reversed(list(zip(res[:-1], res[1:])))])
        self.epilogue = progan.DiscriminatorEpilogue(ch(res[0]), cfg.mbstd_group_size)

    def forward(self, x: Tensor) -> Tensor:
        check_images(self, x)
        return self.epilogue(self.blocks(self.from_rgb(x)))


def check_images(D: nn.Module, x) -> None:
    """A discriminator's input: a non-empty float batch [B, img_channels, img_size, img_size] of D's dtype."""
    c, r = D.cfg.img_channels, D.cfg.img_size
    if not isinstance(x, Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != (c, r, r):
        shape = list(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{type(D).__name__} expects images [B, {c}, {r}, {r}], got {shape}")
    if len(x) == 0:
        raise ValueError(f"{type(D).__name__} needs a batch of at least one image [B >= 1, {c}, {r}, {r}], got B = 0")
    dtype = next(D.parameters()).dtype
    if not x.is_floating_point() or (x.dtype == torch.float64 and dtype != torch.float64):
        raise TypeError(f"{type(D).__name__} expects images of its dtype {dtype} (values in [-1, 1]), got {x.dtype}: "
                        f"convert them with .to({dtype})")


# --- Sampling ------------------------------------------------------------------------------------------
@torch.no_grad()
def truncated_sample(G: nn.Module, z: Tensor, psi: float = 1.0, cutoff: int | None = None, noise="random") -> Tensor:
    """Images from any style generator (eval mode, no gradients): f(z) broadcast to every layer,
    truncated towards G.w_avg with psi on layers [0, cutoff), then the synthesis network.
    The output is G's raw (linear) output: clamp it to [-1, 1] to look at it or score it."""
    was_training = G.training
    G.eval()
    try:
        device = G.w_avg.device
        ws = broadcast(G.mapping(z.to(device)), G.num_ws)
        return G.synthesis(truncate(ws, G.w_avg, psi, cutoff), noise=noise)
    finally:
        G.train(was_training)
