"""Chapter 03 checkers: each passes an independent solution, fails the stub, and catches plausible mistakes."""
import pytest
import torch
import torch.nn.functional as F

from gan_course import exercises
from exercise_checks import assert_cases_cover, assert_separates


# --- ch03.critic_loss ---------------------------------------------------------------------------------
def critic_loss(real_logits, fake_logits):
    return fake_logits.mean() - real_logits.mean()


def critic_loss_sign_flipped(real_logits, fake_logits):  # maximises instead of minimising
    return real_logits.mean() - fake_logits.mean()


def critic_loss_hinge(real_logits, fake_logits):  # the "WGAN" that is really a hinge loss
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def critic_loss_bce(real_logits, fake_logits):  # still the vanilla GAN's discriminator
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


# --- ch03.gradient_penalty ----------------------------------------------------------------------------
def _penalty_at(D, x, lam):
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return lam * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def gradient_penalty(D, real, fake, lam):
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))  # one eps per sample
    return _penalty_at(D, eps * real + (1 - eps) * fake, lam)


def gradient_penalty_per_pixel(D, real, fake, lam):  # eps drawn for every feature: off the line
    eps = torch.rand_like(real)
    return _penalty_at(D, eps * real + (1 - eps) * fake, lam)


def gradient_penalty_at_real(D, real, fake, lam):  # penalises the real samples, not interpolates
    return _penalty_at(D, real, lam)


def gradient_penalty_squared_norm(D, real, fake, lam):  # pushes ||grad|| to 0, not to 1
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
    x = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return lam * grad.flatten(1).pow(2).sum(1).mean()


# --- ch03.wasserstein1_1d ----------------------------------------------------------------------------
def w1(a, b):
    return (a.sort().values - b.sort().values).abs().mean()


def w1_unsorted(a, b):  # a valid transport plan, but not the optimal one
    return (a - b).abs().mean()


def w1_of_means(a, b):  # only right when one sample is a shift of the other
    return (a.mean() - b.mean()).abs()


CASES = {
    "ch03.critic_loss": (critic_loss, [critic_loss_sign_flipped, critic_loss_hinge, critic_loss_bce]),
    "ch03.gradient_penalty": (gradient_penalty, [gradient_penalty_per_pixel, gradient_penalty_at_real,
                                                 gradient_penalty_squared_norm]),
    "ch03.wasserstein1_1d": (w1, [w1_unsorted, w1_of_means]),
}


def test_every_chapter_03_exercise_has_a_case():
    assert_cases_cover("ch03", CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_passes_solution_fails_stub_and_wrong_answers(name):
    assert_separates(name, *CASES[name])


def test_solution_passes_with_other_seeds():
    for seed in (1, 2, 3):
        assert exercises.check("ch03.gradient_penalty", gradient_penalty, seed=seed, quiet=True)
