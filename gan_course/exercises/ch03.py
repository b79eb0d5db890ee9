"""Chapter 03 exercises: the Wasserstein critic loss, the gradient penalty, and W1 between 1D samples."""
import torch
from torch import nn

from .. import divergences, losses
from . import Exercise, register


def _logits(gen: torch.Generator) -> torch.Tensor:
    n = int(torch.randint(1, 33, (1,), generator=gen))
    return torch.randn(n, generator=gen) * 3 + torch.randn(1, generator=gen) * 2  # critic scores are unbounded


def _two_batches(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    return _logits(gen), _logits(gen)


register(Exercise(
    name="ch03.critic_loss",
    title="Wasserstein critic loss d_loss(real_logits, fake_logits)",
    reference=losses.d_loss_wasserstein,
    make_inputs=_two_batches,
    grad_wrt=lambda real_logits, fake_logits: [("real_logits", real_logits), ("fake_logits", fake_logits)],
    hint="the critic MAXIMISES E[f(x)] - E[f(G(z))]; the optimiser minimises, so return E[f(G(z))] - E[f(x)]. "
         "No sigmoid, no log, no margin: a critic outputs a score, not a probability.",
))


# --- The gradient penalty --------------------------------------------------------------------------
class _Critic(nn.Module):
    """A small random non-linear critic: its gradient norm differs from point to point, so a penalty
    taken at the wrong points (real samples, or per-pixel mixes) gives a different number."""

    def __init__(self, dim: int, gen: torch.Generator):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, 16), nn.Tanh(), nn.Linear(16, 1))
        with torch.no_grad():
            for p in self.net.parameters():
                p.copy_(torch.randn(p.shape, generator=gen))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1)).squeeze(1)


def _gp_inputs(gen: torch.Generator):
    batch = int(torch.randint(2, 9, (1,), generator=gen))
    shape = [(2,), (3,), (1, 3, 3)][int(torch.randint(0, 3, (1,), generator=gen))]  # points and tiny images
    dim = 1
    for s in shape:
        dim *= s
    real, fake = torch.randn(batch, *shape, generator=gen), torch.randn(batch, *shape, generator=gen) * 2
    lam = float(torch.randint(1, 20, (1,), generator=gen))
    return _Critic(dim, gen), real, fake, lam


def gradient_penalty_reference(D, real, fake, lam):
    """The package's `losses.gradient_penalty`, then the global RNG rewound to where it was.

    The penalty draws a random eps per sample; rewinding makes your function draw the same eps, so
    both can be compared exactly (draw it with ONE call, torch.rand(batch_size, 1, ...)).
    """
    state = torch.get_rng_state()
    out = losses.gradient_penalty(D, real, fake, lam=lam)
    torch.set_rng_state(state)
    return out


register(Exercise(
    name="ch03.gradient_penalty",
    title="WGAN-GP gradient penalty gradient_penalty(D, real, fake, lam)",
    reference=gradient_penalty_reference,
    reveals=(losses.gradient_penalty,),
    make_inputs=_gp_inputs,
    # the penalty is there to train D: its gradients with respect to D's weights must be the reference's,
    # which a penalty computed without create_graph=True, or detached, does not have (ERRATA 16)
    grad_wrt=lambda D, real, fake, lam: [(f"D's {n}", p) for n, p in D.named_parameters()],
    hint="eps = torch.rand(B, 1, ..., 1) (ONE number per sample, broadcast over its features); "
         "x_hat = eps * real + (1 - eps) * fake; grad = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True); "
         "return lam * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean(). Penalise at x_hat, not at the real samples; "
         "create_graph=True keeps the gradient's own graph, so the penalty trains D's weights.",
))


# --- W1 between two 1D samples --------------------------------------------------------------------
def _samples_1d(gen: torch.Generator):
    n = int(torch.randint(1, 40, (1,), generator=gen))
    a = torch.randn(n, generator=gen) * float(torch.rand(1, generator=gen) * 3 + 0.1)
    b = torch.randn(n, generator=gen) + float(torch.randn(1, generator=gen) * 2)
    return a.double(), b.double()


register(Exercise(
    name="ch03.wasserstein1_1d",
    title="W1 between two 1D samples of the same size, wasserstein1_1d(a, b)",
    reference=lambda a, b: divergences.wasserstein1_1d(a, b),
    reveals=(divergences.wasserstein1_1d,),
    make_inputs=_samples_1d,
    hint="in 1D the optimal transport plan matches sorted samples: mean(|sort(a) - sort(b)|). "
         "Pairing a[i] with b[i] as given is a valid plan, but not the cheapest one.",
))
