"""Chapter 08 exercises: the modulated and demodulated convolution, lazy regularisation's Adam
adjustment, and the projection loss."""
import torch

from .. import layers, projection
from ..training import lazy_adam
from . import Exercise, register


def modulated_conv3x3(x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor) -> torch.Tensor:
    """The exercise's reference: modulate, 3x3 conv with padding 1, demodulate."""
    return layers.modulated_conv2d(x, weight, styles, demodulate=True, padding=1)


def _modulated_inputs(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    b, i, o = (int(torch.randint(lo, hi, (1,), generator=gen)) for lo, hi in ((1, 4), (2, 6), (1, 5)))
    side = int(torch.randint(3, 7, (1,), generator=gen))
    styles = torch.rand(b, i, generator=gen) * 2 + 0.2                 # positive, far from 1: modulation matters
    return torch.randn(b, i, side, side, generator=gen), torch.randn(o, i, 3, 3, generator=gen), styles


register(Exercise(
    name="ch08.modulated_conv",
    title="Modulated, demodulated convolution modulated_conv3x3(x, weight, styles)",
    reference=modulated_conv3x3,
    make_inputs=_modulated_inputs,
    grad_wrt=lambda x, weight, styles: [("x", x), ("weight", weight), ("styles", styles)],
    reveals=(modulated_conv3x3, layers.modulated_conv2d, layers.modulated_conv2d_grouped),
    hint="y = conv2d(x * s[:, :, None, None], weight, padding=1); d[b, o] = 1 / sqrt(sum_i s[b, i]^2 "
         "sum_kl weight[o, i, k, l]^2 + 1e-8), i.e. (styles**2 @ weight.square().sum((2, 3)).T + 1e-8).rsqrt(); "
         "return y * d[:, :, None, None]. Demodulation uses the weights, not the data's statistics.",
))


def _adam_settings(gen: torch.Generator) -> tuple[float, tuple[float, float], int]:
    every = int(torch.randint(1, 20, (1,), generator=gen))
    beta1 = float(torch.rand(1, generator=gen)) * 0.9
    return float(torch.rand(1, generator=gen)) * 0.01 + 1e-4, (beta1, 0.99), every


register(Exercise(
    name="ch08.lazy_adam",
    title="Lazy regularisation's Adam settings lazy_adam(lr, betas, every)",
    reference=lazy_adam,
    make_inputs=_adam_settings,
    trials=12,
    hint="c = every / (every + 1) (and c = 1 for every = 1); return lr * c, (beta1 ** c, beta2 ** c). "
         "The betas are raised to the power c, not multiplied by it.",
))


def _projection_inputs(gen: torch.Generator):
    b, c, side = int(torch.randint(1, 4, (1,), generator=gen)), 1, int(torch.randint(4, 9, (1,), generator=gen))
    images, target = (torch.rand(b, c, side, side, generator=gen) * 2 - 1 for _ in range(2))
    proj = torch.randn(c * side * side, 5, generator=gen)

    def features(x):                                                    # a fixed nonlinear feature map
        return torch.sigmoid(x.flatten(1) @ proj)   # never all zero: a well-defined direction
    return images, target, features, float(torch.rand(1, generator=gen)) * 2 + 0.5


register(Exercise(
    name="ch08.projection_loss",
    title="The projection loss projection_loss(images, target, features, feature_weight)",
    reference=projection.projection_loss,
    make_inputs=_projection_inputs,
    grad_wrt=lambda images, target, features, feature_weight: [("images", images)],
    reveals=(projection.projection_loss, projection.reconstruction_error),
    hint="per image (shape [B]): the mean over C, H, W of (images - target)^2, plus feature_weight * "
         "||f(images)/|f(images)| - f(target)/|f(target)|||^2 with F.normalize(features(x), dim=1).",
))
