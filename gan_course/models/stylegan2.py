"""StyleGAN2: Karras, Laine, Aittala, Hellsten, Lehtinen & Aila, "Analyzing and Improving the Image
Quality of StyleGAN" (StyleGAN2, arXiv:1912.04958). Chapter 08.

What changes from chapter 07's StyleGAN, section by section of the paper:

- **Sec. 2.2, weight demodulation.** AdaIN normalised every feature map by its own mean and standard
  deviation, and the generator learned to sneak signal past it with a strong local spike (the
  "droplet"). Each layer is now a `layers.ModulatedConv2d`: the style scales the conv's input
  channels, and the output is divided by the *expected* standard deviation d, computed from the
  weights alone, not from the data. No per-map statistics are taken, so there is nothing to game.
  The bias and the noise are added after the demodulated conv, outside the normalised path; the noise
  is scaled by one learned scalar per layer (`layers.NoiseInjection(None)`, as NVlabs' code), not per channel as in
  chapter 07.
- **Sec. 4.1, no progressive growing.** The generator's every resolution has a toRGB, and the images
  are summed: img = upsample(img) + toRGB_r(x) ("skip" generator, the paper's fig. 7b, input/output
  skips; 7a is MSG-GAN). toRGB is modulated but *not* demodulated: the colours should follow the
  style. The discriminator is *residual* (fig. 7c): each block adds a 1x1, downsampled shortcut to
  two convs, times 1/sqrt(2). It downsamples by 2x2 average pooling; the authors low-pass filter
  with [1, 3, 3, 1] before a stride-2 conv, in the main path and in the shortcut
  (stylegan2-ada-pytorch training/networks.py, DiscriminatorBlock).
- **Sec. 3.2, path-length regularisation**, and lazy R1 (sec. 3.1): training settings of the shared
  loop (`TrainConfig.pl_weight`, `pl_every`, `r1_every`), not code of the model.

The mapping network, the running average of w, style mixing and truncation are chapter 07's
(`models/stylegan.py`), imported, and so is the generator protocol that its widgets use:
`G.mapping`, `G.synthesis(ws, noise=...)`, `G.synthesis.noise_sizes`, `G.num_ws`, `G.w_avg`.

Layers and styles: the 4x4 block runs the learned constant through one modulated conv; each later
block upsamples (bilinear), runs two. Layer k uses style ws[:, k] and noise input k, so num_ws is
the number of modulated convs (7 at 32x32) and every style belongs to one resolution. A block's toRGB
uses the style of the block's last conv. The authors' code gives it the next style (NVlabs/stylegan2
networks_stylegan2.py `dlatents_in[:, res*2-3]`; stylegan2-ada-pytorch `num_torgb`), so they have one
more (8 at 32x32); the two agree whenever one w drives every layer, as it does outside style mixing
and W+ projection.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..layers import AdaIN, EqualizedConv2d, ModulatedConv2d, NoiseInjection
from . import progan, stylegan
from .progan import lrelu

FIRST_SIZE = 4
ACT_GAIN = math.sqrt(2)  # LeakyReLU halves a unit signal's second moment (about); the authors' def_gain restores it


@dataclass
class StyleGAN2Config(stylegan.StyleGANConfig):
    """Chapter 07's settings and checks (img_size, img_channels, z_dim, w_dim, mapping_layers, mapping_lr_mul,
    fmap_base, fmap_max, style_mixing_prob, mbstd_group_size, use_noise), plus `demodulate`: the synthesis
    layers' weight demodulation (the paper's sec. 2.2; False for the "going further" ablation, toRGB never
    demodulates). The two generators differ in their layers, not their knobs."""

    demodulate: bool = True

    def __post_init__(self):
        super().__post_init__()
        if not isinstance(self.demodulate, bool):
            raise ValueError(f"demodulate must be True or False, got {self.demodulate!r}")

    @property
    def num_ws(self) -> int:
        """One style per modulated conv: 1 at 4x4, 2 per later resolution (7 at 32x32)."""
        return 2 * len(self.resolutions) - 1


# --- The synthesis network ---------------------------------------------------------------------------
class SynthesisLayer(nn.Module):
    """Modulated, demodulated conv3x3 -> + noise -> + bias -> LeakyReLU * sqrt(2).

    [B, c_in, H, W] -> [B, c_out, H, W]."""

    def __init__(self, c_in: int, c_out: int, w_dim: int, demodulate: bool = True):
        super().__init__()
        self.conv = ModulatedConv2d(c_in, c_out, 3, w_dim, demodulate=demodulate)
        self.noise = NoiseInjection(None)                    # ONE strength per layer (not per channel), from 0
        self.bias = nn.Parameter(torch.zeros(c_out))

    def forward(self, x: Tensor, w: Tensor, noise: Tensor | str | None) -> Tensor:
        x = self.conv(x, w)                                  # unit-variance channels for unit-variance input
        if noise is not None:                                # "random": NoiseInjection draws it
            x = self.noise(x, None if isinstance(noise, str) else noise)
        return lrelu(x + self.bias.view(1, -1, 1, 1)) * ACT_GAIN


class ToRGB(nn.Module):
    """Modulated 1x1 conv, NOT demodulated, + bias: features -> an image at this resolution (linear)."""

    def __init__(self, channels: int, img_channels: int, w_dim: int):
        super().__init__()
        self.conv = ModulatedConv2d(channels, img_channels, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(img_channels))

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        return self.conv(x, w) + self.bias.view(1, -1, 1, 1)


class SynthesisBlock(nn.Module):
    """One resolution: (bilinear 2x upsampling,) one or two `SynthesisLayer`s, and a toRGB whose image is
    added to the upsampled image of the block below (the skip architecture)."""

    def __init__(self, c_in: int, c_out: int, w_dim: int, img_channels: int, first: bool, demodulate: bool = True):
        super().__init__()
        self.first = first
        self.layers = nn.ModuleList([SynthesisLayer(c_out if first else c_in, c_out, w_dim, demodulate)] +
                                    ([] if first else [SynthesisLayer(c_out, c_out, w_dim, demodulate)]))
        self.to_rgb = ToRGB(c_out, img_channels, w_dim)

    def forward(self, x: Tensor, img: Tensor | None, ws: Tensor, noise: list) -> tuple[Tensor, Tensor]:
        if not self.first:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        for k, layer in enumerate(self.layers):
            x = layer(x, ws[:, k], noise[k])
        rgb = self.to_rgb(x, ws[:, len(self.layers) - 1])                       # the block's last style
        if img is not None:
            rgb = rgb + F.interpolate(img, scale_factor=2, mode="bilinear", align_corners=False)
        return x, rgb


class SynthesisNetwork(nn.Module):
    """g: ws [B, num_ws, w_dim] -> images [B, img_channels, img_size, img_size] (linear output, no tanh).

    The learned 4x4 constant, then one `SynthesisBlock` per resolution; the image is the sum of every
    resolution's toRGB output, each upsampled to the full size. `noise` as in chapter 07: "random",
    "none", or one tensor [B or 1, 1, s, s] (or None) per layer, s = noise_sizes[k].
    """

    # The argument checks of chapter 07's synthesis network (they use only num_ws, w_dim, noise_sizes, const).
    _styles = stylegan.SynthesisNetwork._styles
    _noise = stylegan.SynthesisNetwork._noise

    def __init__(self, cfg: StyleGAN2Config):
        super().__init__()
        res, ch = cfg.resolutions, cfg.channels
        self.w_dim, self.num_ws, self.use_noise = cfg.w_dim, cfg.num_ws, cfg.use_noise
        self.noise_sizes = (res[0],) + tuple(r for r in res[1:] for _ in range(2))   # one per layer: (4, 8, 8, ...)
        self.const = nn.Parameter(torch.randn(1, ch(res[0]), FIRST_SIZE, FIRST_SIZE))  # the authors: N(0, 1)
        self.blocks = nn.ModuleList([SynthesisBlock(ch(r if i == 0 else res[i - 1]), ch(r), cfg.w_dim,
                                                    cfg.img_channels, first=i == 0, demodulate=cfg.demodulate)
                                     for i, r in enumerate(res)])

    def forward(self, ws, noise="random", return_features: bool = False):
        ws = self._styles(ws)
        noise = self._noise(noise, len(ws))
        x, img, k, features = self.const.expand(len(ws), -1, -1, -1), None, 0, []
        for block in self.blocks:
            n = len(block.layers)
            x, img = block(x, img, ws[:, k:k + n], noise[k:k + n])              # x [B, C, r, r], img [B, c, r, r]
            features.append(x)
            k += n
        return (img, features) if return_features else img


# --- The two networks --------------------------------------------------------------------------------
class Generator(nn.Module):
    """z [B, z_dim] -> images: chapter 07's mapping network and forward (mixing in training mode), this
    chapter's synthesis network."""

    forward = stylegan.Generator.forward          # mapping -> broadcast -> (style mixing) -> synthesis
    w_avg = stylegan.Generator.w_avg              # the mapping network's running average of w

    def __init__(self, cfg: StyleGAN2Config):
        super().__init__()
        self.cfg = cfg
        self.z_dim, self.w_dim, self.num_ws = cfg.z_dim, cfg.w_dim, cfg.num_ws
        self.style_mixing_prob = cfg.style_mixing_prob
        self.mapping = stylegan.MappingNetwork(cfg.z_dim, cfg.w_dim, cfg.mapping_layers, lr_mul=cfg.mapping_lr_mul)
        self.synthesis = SynthesisNetwork(cfg)


class DBlock(nn.Module):
    """Residual: (conv3x3 -> conv3x3 -> avg-pool 2x2) + (avg-pool 2x2 -> 1x1 conv, no bias), times 1/sqrt(2)
    so the sum of two unit-variance paths stays unit-variance. [B, c_in, 2H, 2W] -> [B, c_out, H, W]."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv0, self.conv1 = progan.conv(c_in, c_in), progan.conv(c_in, c_out)
        self.skip = EqualizedConv2d(c_in, c_out, 1, bias=False, gain=1.0)

    def forward(self, x: Tensor) -> Tensor:
        y = F.avg_pool2d(lrelu(self.conv1(lrelu(self.conv0(x)))), 2)
        return (y + self.skip(F.avg_pool2d(x, 2))) / math.sqrt(2)


class Discriminator(nn.Module):
    """images [B, img_channels, img_size, img_size] -> logits [B]: fromRGB at full size, residual blocks
    down to 4x4, then chapter 05's epilogue (minibatch stddev, conv, two dense layers)."""

    def __init__(self, cfg: StyleGAN2Config):
        super().__init__()
        self.cfg = cfg
        res, ch = cfg.resolutions, cfg.channels
        self.from_rgb = progan.FromRGB(cfg.img_channels, ch(res[-1]))
        self.blocks = nn.Sequential(*[DBlock(ch(b), ch(a)) for a, b in reversed(list(zip(res[:-1], res[1:])))])
        self.epilogue = progan.DiscriminatorEpilogue(ch(res[0]), cfg.mbstd_group_size)

    forward = stylegan.Discriminator.forward      # chapter 07's: check the size, fromRGB, blocks, epilogue


# --- What the notebook measures ----------------------------------------------------------------------
def modulated_layer_shapes(cfg: StyleGAN2Config) -> list[tuple[int, int, int]]:
    """(in_channels, out_channels, side) of every modulated 3x3 conv of G, in order: the sizes the
    chapter's micro-benchmark of the two modulated-conv forms runs on."""
    res, ch = cfg.resolutions, cfg.channels
    shapes = [(ch(res[0]), ch(res[0]), res[0])]
    for lo, hi in zip(res[:-1], res[1:]):
        shapes += [(ch(lo), ch(hi), hi), (ch(hi), ch(hi), hi)]
    return shapes


@torch.no_grad()
def layer_features(G: nn.Module, ws: Tensor, noise="none") -> list[Tensor]:
    """The feature maps of every layer of a style generator's synthesis network, for styles ws.

    Chapter 07's StyleGAN: the input of each AdaIN, i.e. what instance norm is about to normalise
    (where the droplet lives). This chapter's StyleGAN2: each `SynthesisLayer`'s output, the features
    the next modulated conv receives. Collected with forward hooks, in eval mode, without gradients.
    Any other generator (ProGAN's, DCGAN's) is an error: it has no per-layer styles to drive.
    """
    synthesis = getattr(G, "synthesis", None)
    if not isinstance(synthesis, nn.Module):
        raise ValueError(f"layer_features needs a style generator (chapter 07's StyleGAN or chapter 08's StyleGAN2, "
                         f"with G.synthesis); got {type(G).__module__}.{type(G).__name__}")
    captured: list[Tensor] = []
    hooks = [m.register_forward_pre_hook(lambda _, args: captured.append(args[0].detach().cpu()))
             for m in G.synthesis.modules() if isinstance(m, AdaIN)]
    hooks += [m.register_forward_hook(lambda _, __, out: captured.append(out.detach().cpu()))
              for m in G.synthesis.modules() if isinstance(m, SynthesisLayer)]
    if not hooks:
        raise ValueError(f"{type(G).__name__}'s synthesis network has neither AdaIN layers (chapter 07) nor "
                         f"SynthesisLayers (chapter 08)")
    was_training = G.training
    G.eval()
    try:
        G.synthesis(ws, noise=noise)
    finally:
        G.train(was_training)
        for h in hooks:
            h.remove()
    return captured
