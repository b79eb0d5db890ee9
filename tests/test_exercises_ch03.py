"""Chapter 03 checkers: each passes an independent solution, fails the stub, and catches plausible mistakes."""
import copy

import pytest
import torch
import torch.nn.functional as F

from gan_course import exercises
from exercise_checks import assert_cases_cover, assert_separates
from gan_course.exercises import ExerciseFailed


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


def gradient_penalty_without_create_graph(D, real, fake, lam):  # right value, but D gets no gradient from it
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
    x = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x)
    return lam * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def gradient_penalty_detached(D, real, fake, lam):
    return gradient_penalty(D, real, fake, lam).detach()


def gradient_penalty_as_a_number(D, real, fake, lam):  # torch.tensor of a float: a new leaf, no graph
    return torch.tensor(gradient_penalty(D, real, fake, lam).item())


def gradient_penalty_of_a_copy(D, real, fake, lam):  # trains a copy of the critic, not D
    return gradient_penalty(copy.deepcopy(D), real, fake, lam)


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
                                                 gradient_penalty_squared_norm, gradient_penalty_without_create_graph,
                                                 gradient_penalty_detached, gradient_penalty_as_a_number,
                                                 gradient_penalty_of_a_copy]),
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


@pytest.mark.parametrize("wrong", [gradient_penalty_without_create_graph, gradient_penalty_detached,
                                   gradient_penalty_as_a_number])
def test_a_penalty_that_cannot_train_D_fails_though_its_value_is_right(wrong):
    """ERRATA 16: the value alone cannot tell these from the solution; D's parameter gradients can."""
    with pytest.raises(ExerciseFailed, match=r"(?s)carries no gradient.*create_graph=True.*D's net\.0\.weight"):
        exercises.check("ch03.gradient_penalty", wrong, quiet=True)


def test_a_penalty_on_a_copy_of_D_fails_on_D_s_gradients():
    with pytest.raises(ExerciseFailed, match=r"value is right, but its gradient with respect to D's net\.0\.weight"):
        exercises.check("ch03.gradient_penalty", gradient_penalty_of_a_copy, quiet=True)
