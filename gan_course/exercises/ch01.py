"""Chapter 01 exercises: the discriminator loss, the non-saturating generator loss, and D*."""
import torch

from .. import losses
from . import Exercise, register


def _logits(gen: torch.Generator) -> torch.Tensor:
    n = int(torch.randint(1, 33, (1,), generator=gen))
    return torch.randn(n, generator=gen) * 4


def _logit_pair(gen):
    real, fake = _logits(gen), _logits(gen)
    if torch.rand(1, generator=gen) < 0.35:
        # confident logits: log(sigmoid(l)) written naively underflows to -inf here
        real, fake = real * 25, fake * 25
    return real, fake


def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)): the best D against a fixed G (Goodfellow et al., Prop. 1)."""
    return p_data / (p_data + p_g)


def _densities(gen):
    n = int(torch.randint(2, 20, (1,), generator=gen))
    return torch.rand(n, generator=gen) + 0.01, torch.rand(n, generator=gen) + 0.01


register(Exercise(
    name="ch01.d_loss",
    title="Discriminator loss d_loss(real_logits, fake_logits)",
    reference=losses.d_loss_bce,
    make_inputs=_logit_pair,
    grad_wrt=lambda real_logits, fake_logits: [("real_logits", real_logits), ("fake_logits", fake_logits)],
    hint="minimise -(E[log D(x)] + E[log(1 - D(G(z)))]) with D = sigmoid(logit); "
         "log sigmoid(l) = -softplus(-l) and log(1 - sigmoid(l)) = -softplus(l) stay finite for large |l|.",
))

register(Exercise(
    name="ch01.g_loss_nonsaturating",
    title="Non-saturating generator loss g_loss(fake_logits)",
    reference=losses.g_loss_nonsaturating,
    make_inputs=lambda gen: (_logit_pair(gen)[1],),
    grad_wrt=lambda fake_logits: [("fake_logits", fake_logits)],
    hint="G minimises -E[log D(G(z))] = E[softplus(-l)], not E[log(1 - D(G(z)))] (that is the saturating one).",
))

register(Exercise(
    name="ch01.optimal_discriminator",
    title="Optimal discriminator D*(x) from the two densities",
    reference=optimal_discriminator,
    make_inputs=_densities,
    hint="D* is the probability that x came from the data: p_data / (p_data + p_g).",
))
