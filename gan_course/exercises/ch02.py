"""Chapter 02 exercises: G's conditional input, the projection discriminator's logit, the class grid."""
import torch

from ..models import conditional
from . import Exercise, register


def conditional_input(z: torch.Tensor, labels: torch.Tensor, E: torch.Tensor) -> torch.Tensor:
    """G's input in Mirza & Osindero's conditional GAN: [z, E[y]], shape [B, z_dim + embed_dim].

    What `ConditionalGenerator` feeds its MLP: `generate(z, embed(labels))` concatenates exactly this.
    """
    return torch.cat([z, torch.nn.functional.embedding(labels, E)], dim=1)


def _g_inputs(gen: torch.Generator):
    b, z_dim, k, e = (int(torch.randint(lo, hi, (1,), generator=gen)) for lo, hi in ((1, 9), (2, 9), (2, 11), (2, 9)))
    return torch.randn(b, z_dim, generator=gen), torch.randint(k, (b,), generator=gen), torch.randn(k, e, generator=gen)


def _projection_inputs(gen: torch.Generator):
    b, h, k = (int(torch.randint(lo, hi, (1,), generator=gen)) for lo, hi in ((1, 9), (2, 17), (2, 11)))
    return (torch.randn(b, h, generator=gen), torch.randn(h, generator=gen), torch.randn((), generator=gen),
            torch.randn(k, h, generator=gen), torch.randint(k, (b,), generator=gen))


def _grid_inputs(gen: torch.Generator):
    n_cols, z_dim = int(torch.randint(2, 7, (1,), generator=gen)), int(torch.randint(2, 6, (1,), generator=gen))
    return torch.randn(n_cols, z_dim, generator=gen), int(torch.randint(2, 6, (1,), generator=gen))


register(Exercise(
    name="ch02.conditional_input",
    title="Generator input [z, E[y]] from noise, labels and an embedding table",
    reference=conditional_input,
    make_inputs=_g_inputs,
    hint="look up one row of E per label (E[labels] = one_hot(labels) @ E, shape [B, embed_dim]) and "
         "concatenate it AFTER z along dim 1.",
))

register(Exercise(
    name="ch02.projection_logits",
    title="Projection discriminator logit psi(phi(x)) + <V[y], phi(x)>",
    reference=conditional.projection_logits,
    make_inputs=_projection_inputs,
    hint="psi(phi) = phi @ psi_weight + psi_bias is the unconditional part; add, per sample, the inner product "
         "of phi(x) with the row V[y] of the embedding table: (V[labels] * phi).sum(dim=1). Result shape [B].",
))

register(Exercise(
    name="ch02.class_grid_inputs",
    title="Inputs for a class grid: one row per class, the same noise in every column",
    reference=conditional.class_grid_inputs,
    make_inputs=_grid_inputs,
    hint="labels go 0,0,..,0, 1,1,..,1, ... (torch.arange(K).repeat_interleave(n_cols)), while z goes "
         "z[0..n-1], z[0..n-1], ... (z.repeat(K, 1)): row k is class k, column j always uses z[j].",
))
