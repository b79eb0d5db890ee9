"""Chapter 06 exercises: D's hinge loss, class-conditional batch norm, BigGAN's hierarchical latents."""
import torch

from .. import layers, losses
from ..models import biggan
from . import Exercise, register


def conditional_batch_norm(x: torch.Tensor, c: torch.Tensor, gain_weight: torch.Tensor,
                           bias_weight: torch.Tensor) -> torch.Tensor:
    """The package's `layers.ConditionalBatchNorm2d` (training mode, no spectral norm) with the given
    weights of its linear maps gamma(c) = c @ gain_weight.T and beta(c) = c @ bias_weight.T."""
    cbn = layers.ConditionalBatchNorm2d(x.shape[1], c.shape[1], spectral=False)
    with torch.no_grad():
        cbn.gain.weight.copy_(gain_weight)
        cbn.bias.weight.copy_(bias_weight)
    return cbn(x, c)


def _logits(gen: torch.Generator):
    n = int(torch.randint(1, 9, (1,), generator=gen))
    return torch.randn(n, generator=gen) * 2, torch.randn(n, generator=gen) * 2


def _cbn_inputs(gen: torch.Generator):
    b, ch, d, s = (int(torch.randint(lo, hi, (1,), generator=gen)) for lo, hi in ((2, 7), (1, 6), (1, 6), (2, 5)))
    x = torch.randn(b, ch, s, s, generator=gen) * 3 + 1  # not already normalised
    return x, torch.randn(b, d, generator=gen), torch.randn(ch, d, generator=gen) * 0.5, torch.randn(ch, d, generator=gen)


def _latent_inputs(gen: torch.Generator):
    b, n, chunk, e = (int(torch.randint(lo, hi, (1,), generator=gen)) for lo, hi in ((1, 5), (2, 6), (1, 5), (1, 6)))
    return torch.randn(b, n * chunk, generator=gen), torch.randn(b, e, generator=gen), n


register(Exercise(
    name="ch06.hinge_d_loss",
    title="D's hinge loss E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]",
    reference=losses.d_loss_hinge,
    make_inputs=_logits,
    grad_wrt=lambda real_logits, fake_logits: [("real_logits", real_logits), ("fake_logits", fake_logits)],
    hint="two means of ReLUs: relu(1 - real_logits).mean() + relu(1 + fake_logits).mean(). A real logit above +1 "
         "or a fake one below -1 costs nothing: D stops pushing once the margin is met.",
))

register(Exercise(
    name="ch06.conditional_batch_norm",
    title="Class-conditional batch norm (1 + gamma(c)) * BN(x) + beta(c)",
    reference=conditional_batch_norm,
    reveals=(layers.ConditionalBatchNorm2d,),
    make_inputs=_cbn_inputs,
    grad_wrt=lambda x, c, gain_weight, bias_weight: [("x", x), ("c", c)],  # the reference copies the weights
    hint="normalise each channel with the BATCH's mean and biased variance over (batch, height, width), eps 1e-5 "
         "(F.batch_norm(x, None, None, training=True)); gamma(c) = c @ gain_weight.T is [B, C]: give it shape "
         "[B, C, 1, 1]; the gain is 1 + gamma(c), not gamma(c).",
))

register(Exercise(
    name="ch06.hierarchical_inputs",
    title="Hierarchical latents: z_0 for the input layer and c_i = [c, z_i] for block i",
    reference=biggan.hierarchical_inputs,
    make_inputs=_latent_inputs,
    hint="z.split(z.shape[1] // num_chunks, dim=1) gives the chunks; the first is z_0, and each of the others goes "
         "AFTER the class embedding: torch.cat([c, z_i], dim=1). Return (z_0, [c_1, ..., c_{n-1}]).",
))
