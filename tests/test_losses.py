"""Each loss and penalty against a hand-computed value or a closed form."""
import math

import pytest
import torch
from torch import nn

from gan_course import losses

LOGITS_REAL = torch.tensor([2.0, -1.0])
LOGITS_FAKE = torch.tensor([0.5, -3.0])


def sig(x):
    return 1 / (1 + math.exp(-x))


def test_bce_d_loss_matches_log_formula():
    # -(E[log D(x)] + E[log(1 - D(G(z)))]) with D = sigmoid(logit), written out by hand
    expected = -((math.log(sig(2.0)) + math.log(sig(-1.0))) / 2
                 + (math.log(1 - sig(0.5)) + math.log(1 - sig(-3.0))) / 2)
    assert losses.d_loss_bce(LOGITS_REAL, LOGITS_FAKE).item() == pytest.approx(expected, rel=1e-6)


def test_minimax_and_nonsaturating_g_losses():
    minimax = (math.log(1 - sig(0.5)) + math.log(1 - sig(-3.0))) / 2
    nonsat = -(math.log(sig(0.5)) + math.log(sig(-3.0))) / 2
    assert losses.g_loss_minimax(LOGITS_FAKE).item() == pytest.approx(minimax, rel=1e-6)
    assert losses.g_loss_nonsaturating(LOGITS_FAKE).item() == pytest.approx(nonsat, rel=1e-6)


def test_saturation_gradients():
    # d/dl log(1 - sigmoid(l)) = -sigmoid(l); d/dl -log sigmoid(l) = -(1 - sigmoid(l))
    l = torch.tensor([-6.0], requires_grad=True)
    (g_mm,) = torch.autograd.grad(losses.g_loss_minimax(l), l)
    (g_ns,) = torch.autograd.grad(losses.g_loss_nonsaturating(l), l)
    assert g_mm.item() == pytest.approx(-sig(-6.0), rel=1e-5)      # ~ -0.0025: saturated
    assert g_ns.item() == pytest.approx(-(1 - sig(-6.0)), rel=1e-5)  # ~ -1: strong signal


def test_wasserstein_and_hinge():
    assert losses.d_loss_wasserstein(LOGITS_REAL, LOGITS_FAKE).item() == pytest.approx((0.5 - 3) / 2 - (2 - 1) / 2)
    assert losses.g_loss_wasserstein(LOGITS_FAKE).item() == pytest.approx(1.25)
    # hinge: relu(1-2)=0, relu(1+1)=2 -> 1; relu(1+0.5)=1.5, relu(1-3)=0 -> 0.75
    assert losses.d_loss_hinge(LOGITS_REAL, LOGITS_FAKE).item() == pytest.approx(1.75)
    # the Wasserstein critic loss is NOT a hinge loss (a known teaching-code bug)
    assert losses.LOSSES["wasserstein"].d_loss is not losses.d_loss_hinge


class Linear(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))

    def forward(self, x):
        return x.flatten(1) @ self.w


@pytest.mark.parametrize("w", [[3.0, 4.0], [0.3, 0.4], [0.6, 0.8]])
def test_gradient_penalty_of_linear_critic(w):
    # f(x) = w.x has gradient w everywhere: the penalty is lam * (|w| - 1)^2 exactly
    D = Linear(w)
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    norm = math.hypot(*w)
    assert losses.gradient_penalty(D, real, fake, lam=10.0).item() == pytest.approx(10 * (norm - 1) ** 2, abs=1e-5)


def test_gradient_penalty_mixes_per_sample_not_per_pixel():
    # A critic that records its inputs: each x_hat must lie on the segment real_i -> fake_i.
    seen = []

    class Spy(nn.Module):
        def forward(self, x):
            seen.append(x.detach())
            return x.flatten(1).sum(1)

    real, fake = torch.zeros(8, 1, 4, 4), torch.ones(8, 1, 4, 4)
    losses.gradient_penalty(Spy(), real, fake)
    x_hat = seen[0]
    per_sample = x_hat.flatten(1)
    assert torch.allclose(per_sample, per_sample[:, :1].expand_as(per_sample))  # one eps per sample
    assert per_sample[:, 0].unique().numel() > 1                               # but different across samples


def test_gradient_penalty_is_differentiable_wrt_critic():
    D = Linear([3.0, 4.0])
    gp = losses.gradient_penalty(D, torch.randn(4, 2), torch.randn(4, 2), lam=1.0)
    gp.backward()
    # d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w| = 2 * 4 * (0.6, 0.8)
    assert torch.allclose(D.w.grad, torch.tensor([4.8, 6.4]), atol=1e-4)


def test_r1_penalty_linear_critic():
    D = Linear([3.0, 4.0])
    assert losses.r1_penalty(D, torch.randn(5, 2), gamma=2.0).item() == pytest.approx(0.5 * 2.0 * 25.0)


def test_clip_weights_keeps_every_weight_in_range():
    D = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 1))
    with torch.no_grad():
        for p in D.parameters():
            p.mul_(100)
    losses.clip_weights_(D, 0.01)
    for p in D.parameters():
        assert p.abs().max().item() <= 0.01 + 1e-9
    assert any((p.abs() == 0.01).any() for p in D.parameters())


@pytest.mark.parametrize("call", [
    lambda: losses.clip_weights_(nn.Linear(2, 1), -0.1),
    lambda: losses.gradient_penalty(Linear([1.0, 0.0]), torch.zeros(2, 2), torch.zeros(2, 2), lam=-1),
    lambda: losses.r1_penalty(Linear([1.0, 0.0]), torch.zeros(2, 2), gamma=-1),
    lambda: losses.gradient_penalty(Linear([1.0, 0.0]), torch.zeros(2, 2), torch.zeros(3, 2)),
])
def test_bad_penalty_arguments(call):
    with pytest.raises(ValueError):
        call()


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="nonsaturating"):
        losses.get_loss("vanila")
