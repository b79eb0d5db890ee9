"""SRResNet and SRGAN: 4x (or 2x) single-image super-resolution (chapter 09).

C. Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial Network",
CVPR 2017, arXiv:1609.04802. The generator (SRResNet, the paper's figure 4): a 9x9 conv, B residual
blocks (conv-BN-PReLU-conv-BN + skip), a conv-BN closed by a global skip over all the blocks, then
log2(scale) sub-pixel upsampling blocks (conv to 4C channels, PixelShuffle(2), PReLU) and a 9x9 conv
to RGB, then a tanh (not in figure 4; as in sgrvinod/a-PyTorch-Tutorial-to-Super-Resolution, models.py).
Sub-pixel convolution is from W. Shi et al., "Real-Time Single Image and Video Super-Resolution Using an
Efficient Sub-Pixel Convolutional Neural Network", arXiv:1609.05158. The discriminator: eight
3x3 convs (64 -> 512 channels, stride 2 every other one), BN from the second on, LeakyReLU(0.2),
dense 1024, dense 1.

Perceptual (content) loss, section 2.2.1: the MSE between feature maps phi of a fixed network,
l_X = mean (phi(I_HR) - phi(G(I_LR)))^2. The paper's phi is VGG19 trained on ImageNet (phi_{5,4}); its
weights cannot be downloaded here, so the course's default phi is `RandomFeatures`: a frozen VGG-style
conv stack with seeded random weights (random conv features already carry local structure and
texture: He, Wang & Hopcroft, arXiv:1606.01467; Ustyuzhaninov et al., arXiv:1606.00021). With the
torchvision VGG19 file already in the torch hub cache, `feature_extractor("vgg19")` uses the real one.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import checks

SCALES = (2, 4)
BACKBONES = ("random", "vgg19")


PIXEL_TOLERANCE = 1e-3  # images live in [-1, 1]; a little slack for rounding, none for 0-255 or [0, 1] data


def check_pixels(who: str, x, module: nn.Module, *, pixel_range: bool = True) -> Tensor:
    """A clear error for an input a network of this chapter cannot use: not a tensor, an empty batch, a dtype
    other than its weights' (float64 from numpy, say; autocast's bfloat16 is fine), and, with `pixel_range`,
    NaN, inf or values outside [-1, 1] (0-255 images give saturated output without a word otherwise)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} takes a tensor of images, got {type(x).__name__}")
    if x.dim() >= 1 and x.shape[0] == 0:
        raise ValueError(f"{who} got an empty batch {list(x.shape)}: give it at least one image")
    weight = next(module.parameters(), None)
    autocast = x.device.type in ("cuda", "cpu", "mps") and torch.is_autocast_enabled(x.device.type)
    if weight is not None and x.dtype != weight.dtype and not (autocast and x.dtype.is_floating_point):
        raise TypeError(f"{who}'s weights are {weight.dtype} but the images are {x.dtype}: convert them with "
                        f"x.to({weight.dtype}) (e.g. x.float() for float64 arrays from numpy)")
    if pixel_range and x.numel() and x.device.type != "meta":
        outside = ~(x.detach().abs() <= 1 + PIXEL_TOLERANCE)  # NaN compares False: caught here too
        if outside.any():
            finite = x.detach()[torch.isfinite(x.detach())]
            seen = f"from {finite.min().item():.4g} to {finite.max().item():.4g}" if finite.numel() else "no finite value"
            nans = int(torch.isnan(x).sum())
            raise ValueError(f"{who} takes images with pixels in [-1, 1], got values {seen}"
                             f"{f' and {nans} NaN' if nans else ''}; 0-255 images: x / 127.5 - 1, "
                             f"[0, 1] images: x * 2 - 1")
    return x


def conv(c_in: int, c_out: int, kernel: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel, stride, padding=kernel // 2)  # "same" padding for odd kernels


# --- Generator blocks ------------------------------------------------------------------------------
class ResidualBlock(nn.Module):
    """conv3x3 -> BN -> PReLU -> conv3x3 -> BN, plus the input: [B, C, h, w] -> [B, C, h, w]."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(conv(channels, channels, 3), nn.BatchNorm2d(channels), nn.PReLU(),
                                  conv(channels, channels, 3), nn.BatchNorm2d(channels))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


@torch.no_grad()
def icnr_(layer: nn.Conv2d, r: int = 2) -> nn.Conv2d:
    """ICNR initialisation (Aitken et al., arXiv:1707.02937) of the conv before a PixelShuffle(r): the r*r
    output channels that become one channel's r x r block (PyTorch's order: c*r*r + k) start as copies of
    one kernel, so a fresh block is a conv followed by nearest-neighbour upsampling: no checkerboard."""
    base = nn.Conv2d(layer.in_channels, layer.out_channels // (r * r), layer.kernel_size)  # PyTorch's default init
    layer.weight.copy_(base.weight.repeat_interleave(r * r, dim=0))  # [C*r*r, C_in, k, k]: each kernel r*r times
    layer.bias.copy_(base.bias.repeat_interleave(r * r))
    return layer


class SubPixelUpsample(nn.Sequential):
    """x2 by sub-pixel convolution: conv3x3 to 4C channels at the LOW resolution, then PixelShuffle(2)
    moves each group of 4 channels into a 2x2 block of pixels: [B, C, h, w] -> [B, 4C, h, w] -> [B, C, 2h, 2w]."""

    def __init__(self, channels: int):
        super().__init__(icnr_(conv(channels, 4 * channels, 3)), nn.PixelShuffle(2), nn.PReLU())


# --- Config ---------------------------------------------------------------------------------------
@dataclass
class SRGANConfig:
    """SRResNet (= SRGAN's generator) and the SRGAN discriminator; the defaults are the paper's."""

    scale: int = 4              # upscaling factor: 2 or 4 (log2(scale) PixelShuffle(2) blocks)
    img_channels: int = 3       # RGB
    n_channels: int = 64        # G's feature maps
    n_blocks: int = 16          # G's residual blocks (B in the paper)
    ndf: int = 64               # D's first conv width, doubled every second conv
    d_blocks: int = 8           # D's 3x3 convs; every second one halves the side
    fc_size: int = 1024         # D's dense layer
    hr_size: int = 96           # side of the HR crops D judges (the paper: 96)

    def __post_init__(self):
        if isinstance(self.scale, bool) or self.scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES} (PixelShuffle(2) blocks: 1 or 2), got {self.scale!r}")
        checks.integer("img_channels", self.img_channels)
        checks.integer("n_channels", self.n_channels)
        checks.integer("n_blocks (residual blocks)", self.n_blocks, minimum=0)
        checks.integer("ndf", self.ndf)
        checks.integer("d_blocks", self.d_blocks, minimum=2)
        if self.d_blocks % 2:
            raise ValueError(f"d_blocks must be even (pairs of a stride-1 and a stride-2 conv), got {self.d_blocks}")
        checks.integer("fc_size", self.fc_size)
        checks.integer("hr_size", self.hr_size)
        if self.hr_size % self.d_downsampling or self.hr_size % self.scale:
            raise ValueError(f"hr_size must be a multiple of {max(self.d_downsampling, self.scale)} (D halves it "
                             f"{self.d_blocks // 2} times; the LR side is hr_size / scale), got {self.hr_size}")

    @property
    def d_downsampling(self) -> int:
        return 2 ** (self.d_blocks // 2)


# --- Generator ------------------------------------------------------------------------------------
class SRResNet(nn.Module):
    """LR [B, 3, h, w] in [-1, 1] -> SR [B, 3, scale*h, scale*w] in [-1, 1] (tanh).

    Pre-trained on pixel MSE it is the paper's SRResNet; trained with content + adversarial loss the
    same network is SRGAN's generator.
    """

    def __init__(self, config: SRGANConfig):
        super().__init__()
        self.config, c = config, config.n_channels
        self.scale = config.scale
        self.head = nn.Sequential(conv(config.img_channels, c, 9), nn.PReLU())          # [B, C, h, w]
        self.blocks = nn.Sequential(*[ResidualBlock(c) for _ in range(config.n_blocks)],
                                    conv(c, c, 3), nn.BatchNorm2d(c))                    # [B, C, h, w]
        self.upsample = nn.Sequential(*[SubPixelUpsample(c) for _ in range(int(math.log2(config.scale)))])
        self.tail = nn.Sequential(conv(c, config.img_channels, 9), nn.Tanh())          # [B, 3, s*h, s*w]

    def forward(self, lr: Tensor) -> Tensor:
        c = self.config.img_channels
        if lr.dim() != 4 or lr.shape[1] != c:
            hint = " (a grey image? repeat it to RGB: x.repeat(1, 3, 1, 1))" if lr.dim() == 4 and lr.shape[1] == 1 else ""
            raise ValueError(f"{type(self).__name__} takes LR images [B, {c}, h, w], got {list(lr.shape)}{hint}")
        check_pixels(f"{type(self).__name__} (LR input)", lr, self)
        h = self.head(lr)
        h = h + self.blocks(h)  # the global skip: the blocks learn a correction of the head's features
        return self.tail(self.upsample(h))


Generator = SRResNet  # SRGAN's generator is the SRResNet architecture


# --- Discriminator --------------------------------------------------------------------------------
class Discriminator(nn.Module):
    """HR or SR crops [B, 3, hr_size, hr_size] -> one logit each [B].

    k3n64s1, k3n64s2, k3n128s1, k3n128s2, ... (the paper's figure 4) with BN after every conv but the
    first, LeakyReLU(0.2); then dense fc_size, LeakyReLU, dense 1 (the loss applies the sigmoid).
    """

    def __init__(self, config: SRGANConfig):
        super().__init__()
        self.config = config
        layers, c_in = [], config.img_channels
        for i in range(config.d_blocks):
            c_out = config.ndf * 2 ** (i // 2)  # 64, 64, 128, 128, 256, 256, 512, 512
            layers += [conv(c_in, c_out, 3, stride=1 + i % 2)]
            layers += [nn.BatchNorm2d(c_out)] if i > 0 else []
            layers += [nn.LeakyReLU(0.2)]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        side = config.hr_size // config.d_downsampling  # 96 -> 6 in the paper
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c_in * side * side, config.fc_size),
                                        nn.LeakyReLU(0.2), nn.Linear(config.fc_size, 1))

    def forward(self, x: Tensor) -> Tensor:
        cfg = self.config
        want = [cfg.img_channels, cfg.hr_size, cfg.hr_size]
        if x.dim() != 4 or list(x.shape[1:]) != want:
            hint = ""
            if x.dim() == 4 and x.shape[1] == cfg.img_channels and x.shape[-1] != cfg.hr_size:
                lr_side = cfg.hr_size // cfg.scale
                hint = (f". If these are G's outputs, D is not the problem: G was given LR images whose side times the "
                        f"scale {cfg.scale} is not hr_size {cfg.hr_size}; the LR inputs must be {lr_side}x{lr_side}, "
                        f"made from the HR crops with data.bicubic_downscale(hr, {cfg.scale})")
            raise ValueError(f"Discriminator was built for crops [B, {', '.join(map(str, want))}], "
                             f"got {list(x.shape)}{hint}")
        check_pixels("Discriminator", x, self, pixel_range=False)
        return self.classifier(self.features(x)).squeeze(1)


@torch.no_grad()
def super_resolve(G: nn.Module, lr_images, device=None) -> list[Tensor]:
    """G applied to each LR image [C, h, w] of a list (they may differ in size), in eval mode (BN's
    running statistics), on G's device; the SR images [C, s*h, s*w] come back on the CPU."""
    device = device or next(G.parameters()).device
    was_training = G.training
    G.eval()
    out = [G(lr[None].to(device))[0].cpu() for lr in lr_images]
    G.train(was_training)
    return out


# --- Perceptual (content) loss ---------------------------------------------------------------------
class RandomFeatures(nn.Module):
    """A frozen VGG-style feature extractor with seeded random weights: the course's offline phi.

    Blocks of (conv3x3 -> ReLU) x convs_per_block with a 2x2 max-pool between blocks, as in VGG; the
    features are the last ReLU's output, [B, widths[-1], H / 2^(len(widths)-1), W / 2^(...)], like
    VGG's phi_{i,j} "after activation, before the i-th pooling". Weights ~ N(0, 2 / fan_in) (He), so
    the feature scale does not shrink or grow with depth; biases 0. The same seed gives the same net.
    """

    def __init__(self, widths: tuple[int, ...] = (32, 64), convs_per_block: int = 2, seed: int = 0,
                 in_channels: int = 3):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)  # its own generator: the global random state is untouched
        layers, c_in = [], in_channels
        for b, width in enumerate(widths):
            if b > 0:
                layers.append(nn.MaxPool2d(2))
            for _ in range(convs_per_block):
                layer = nn.utils.skip_init(nn.Conv2d, c_in, width, 3, padding=1)  # no default init: no global RNG
                with torch.no_grad():
                    layer.weight.copy_(torch.randn(layer.weight.shape, generator=gen) * math.sqrt(2 / (c_in * 9)))
                    layer.bias.zero_()
                layers += [layer, nn.ReLU()]
                c_in = width
        self.net = nn.Sequential(*layers)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "RandomFeatures":
        return super().train(False)  # nothing to train: always in eval mode

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


VGG19_FILE = "vgg19-dcbb9e9d.pth"  # torchvision's ImageNet weights, as torch.hub caches them
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def vgg19_path() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / VGG19_FILE


def truncate_vgg(features: nn.Sequential, i: int = 5, j: int = 4) -> nn.Sequential:
    """VGG's layers up to phi_{i,j}: the j-th conv (after its ReLU) before the i-th max-pool (the paper's
    notation; SRGAN uses phi_{5,4}, the deepest; phi_{2,2} is shallower, closer to pixels)."""
    pools = convs = 0
    for k, layer in enumerate(features):
        if isinstance(layer, nn.MaxPool2d):
            pools, convs = pools + 1, 0
        elif isinstance(layer, nn.Conv2d):
            convs += 1
            if pools == i - 1 and convs == j:
                return nn.Sequential(*list(features)[:k + 2])  # the conv and its ReLU
    raise ValueError(f"this VGG has no phi_{{{i},{j}}} (conv {j} after max-pool {i - 1})")


class ImageNetNormalize(nn.Module):
    """[-1, 1] images -> ImageNet's normalisation, what torchvision's VGG expects."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return ((x + 1) / 2 - self.mean) / self.std


def cached_vgg19(i: int = 5, j: int = 4) -> nn.Module:
    """The paper's phi_{i,j} of an ImageNet VGG19, frozen, if its weights are already in the torch hub
    cache; never downloads. Without the file: FileNotFoundError saying how to get it."""
    path = vgg19_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"VGG19's weights are not in the torch hub cache ({path}); the course never downloads them. "
            f"With internet, run once: torchvision.models.vgg19(weights='IMAGENET1K_V1'). Or use "
            f"feature_extractor('random'), the offline backbone.")
    import torchvision

    vgg = torchvision.models.vgg19(weights=None)
    vgg.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    net = nn.Sequential(ImageNetNormalize(), truncate_vgg(vgg.features, i, j))
    return net.requires_grad_(False).eval()


def feature_extractor(name: str = "random", *, seed: int = 0) -> nn.Module:
    """phi for the content loss: "random" (`RandomFeatures(seed=seed)`, offline) or "vgg19" (ImageNet
    VGG19's phi_{5,4}, only if its weights are cached, see `cached_vgg19`)."""
    checks.choice("backbone", name, BACKBONES)
    return RandomFeatures(seed=seed) if name == "random" else cached_vgg19()


def _device_of(module: nn.Module) -> torch.device | None:
    tensor = next(module.parameters(), None)
    tensor = tensor if tensor is not None else next(module.buffers(), None)
    return None if tensor is None else tensor.device


class ContentLoss(nn.Module):
    """l_X = weight * mean over feature maps of (phi(fake) - phi(real))^2 (the paper's eq. 5). Section 3.2
    rescales VGG's features by 1/12.75, equivalent to multiplying eq. 5 by ~0.006 -- on the paper's VGG and
    input scaling (Caffe VGG19 on 0-255 pixels minus the mean; eq. 5 divides by W*H, this mean by C*W*H).
    The equivalent weight on torchvision's VGG19 is not given (ports such as sgrvinod's use 1): choose it so
    that the content term and the adversarial term of G's loss are of comparable size. phi is frozen;
    gradients reach `fake`.

    It follows its input's device: where phi's weights sit elsewhere (phi loaded on the CPU, the images on
    a GPU), a frozen copy of phi on the images' device is made once and reused; phi itself is not moved,
    since it may be shared (the chapter also scores images with it).
    """

    def __init__(self, features: nn.Module, weight: float = 1.0):
        super().__init__()
        self.features, self.weight = features.requires_grad_(False).eval(), checks.number("weight", weight, minimum=0)
        self._copies: dict[torch.device, nn.Module] = {}  # a plain dict: the copies are not submodules

    def features_on(self, device: torch.device) -> nn.Module:
        """phi itself if it is on `device`, else its frozen copy there (made once)."""
        home = _device_of(self.features)
        if home is None or home == device:
            return self.features
        if device not in self._copies:
            self._copies[device] = copy.deepcopy(self.features).to(device).requires_grad_(False).eval()
        return self._copies[device]

    def forward(self, fake: Tensor, real: Tensor) -> Tensor:
        for name, t in (("fake", fake), ("real", real)):
            if not isinstance(t, Tensor) or t.dim() != 4:
                shape = list(t.shape) if isinstance(t, Tensor) else type(t).__name__
                raise ValueError(f"ContentLoss compares image batches [B, C, H, W]; {name} is {shape}")
        if fake.shape != real.shape:
            raise ValueError(f"ContentLoss compares G's output with its HR target pixel for pixel, but fake is "
                             f"{list(fake.shape)} and real {list(real.shape)}: the SR output must have the target's "
                             f"size (LR side x scale = HR side; make the LR images with data.bicubic_downscale(hr, scale))")
        if fake.device != real.device:
            raise ValueError(f"fake is on {fake.device} but real on {real.device}: put both on one device")
        phi = self.features_on(fake.device)
        dtype = next(phi.parameters()).dtype  # a bfloat16 fake (amp) or float64 images: phi's dtype, explicitly
        return self.weight * F.mse_loss(phi(fake.to(dtype)), phi(real.to(dtype)).detach())
