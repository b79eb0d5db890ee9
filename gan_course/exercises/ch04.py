"""Chapter 04 exercises: the transposed-convolution size formula, DCGAN's layout, latent arithmetic."""
import torch

from .. import latent
from ..models import dcgan
from . import Exercise, register


def _conv_args(gen: torch.Generator) -> tuple[int, int, int, int]:
    h_in = int(torch.randint(1, 33, (1,), generator=gen))
    kernel = int(torch.randint(1, 8, (1,), generator=gen))
    stride = int(torch.randint(1, 4, (1,), generator=gen))
    padding = int(torch.randint(0, (kernel + 1) // 2, (1,), generator=gen))  # keeps the output >= 1
    return h_in, kernel, stride, padding


def _resolutions(img_size: int) -> tuple[int, ...]:
    return dcgan.DCGANConfig(img_size=img_size).resolutions


def _img_size(gen: torch.Generator) -> tuple[int]:
    return (dcgan.SUPPORTED_SIZES[int(torch.randint(len(dcgan.SUPPORTED_SIZES), (1,), generator=gen))],)


def _latent_groups(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    d = int(torch.randint(2, 17, (1,), generator=gen))
    return tuple(torch.randn(int(torch.randint(1, 5, (1,), generator=gen)), d, generator=gen) for _ in range(3))


register(Exercise(
    name="ch04.transposed_conv_size",
    title="Output side of a transposed convolution transposed_conv_size(h_in, kernel, stride, padding)",
    reference=dcgan.transposed_conv_size,
    make_inputs=_conv_args,
    trials=12,
    hint="a transposed conv undoes a conv's size map h_out = (h_in + 2p - k) // s + 1: solve it for h_in, "
         "i.e. H_out = (H_in - 1) * stride - 2 * padding + kernel.",
))

register(Exercise(
    name="ch04.resolutions",
    title="DCGAN generator's feature-map sides resolutions(img_size)",
    reference=_resolutions,
    make_inputs=_img_size,
    trials=12,
    hint="start from 4x4 (7x7 when img_size is 28, since 28 = 7 * 2 * 2) and double until you reach "
         "img_size; return a tuple that includes both ends, e.g. (4, 8, 16) for 16.",
))

register(Exercise(
    name="ch04.latent_arithmetic",
    title="Latent vector arithmetic latent_arithmetic(z_a, z_b, z_c) = mean(A) - mean(B) + mean(C)",
    reference=latent.arithmetic,
    make_inputs=_latent_groups,
    hint="average each group over its samples (dim 0) first, then combine: the result is one latent [D].",
))
