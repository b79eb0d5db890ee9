"""Chapter 06 checkers pass an independent solution and fail the stub and plausible wrong answers."""
import pytest
import torch
import torch.nn.functional as F

from exercise_checks import assert_cases_cover, assert_separates


def cbn_by_hand(x, c, gain_weight, bias_weight):
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), keepdim=True, unbiased=False)
    gamma, beta = (c @ gain_weight.T)[:, :, None, None], (c @ bias_weight.T)[:, :, None, None]
    return (1 + gamma) * (x - mean) / (var + 1e-5).sqrt() + beta


def instance_norm_cbn(x, c, gw, bw):  # statistics per sample, not over the batch
    return (1 + (c @ gw.T)[:, :, None, None]) * F.instance_norm(x) + (c @ bw.T)[:, :, None, None]


def chunks_by_loop(z, c, n):
    size = z.shape[1] // n
    pieces = [z[:, i * size:(i + 1) * size] for i in range(n)]
    return pieces[0], [torch.cat([c, p], dim=1) for p in pieces[1:]]


CASES = {
    "ch06.hinge_d_loss": (
        lambda r, f: torch.clamp(1 - r, min=0).mean() + torch.clamp(1 + f, min=0).mean(),
        [lambda r, f: f.mean() - r.mean(),                                    # Wasserstein critic loss
         lambda r, f: F.relu(1 + r).mean() + F.relu(1 - f).mean(),            # margins the wrong way round
         lambda r, f: F.relu(-r).mean() + F.relu(f).mean(),                   # no margin
         lambda r, f: (F.relu(1 - r) + F.relu(1 + f)).sum()],                 # sum, not mean
    ),
    "ch06.conditional_batch_norm": (
        cbn_by_hand,
        [lambda x, c, gw, bw: cbn_by_hand(x, c, gw, bw) - F.batch_norm(x, None, None, training=True),  # gain gamma(c)
         instance_norm_cbn,
         lambda x, c, gw, bw: cbn_by_hand(x, c, bw, gw),                      # gain and bias swapped
         lambda x, c, gw, bw: (1 + (c @ gw.T)[:, :, None, None]) * (x - x.mean(dim=(0, 2, 3), keepdim=True))
         / x.std(dim=(0, 2, 3), keepdim=True) + (c @ bw.T)[:, :, None, None]],  # unbiased std, no eps
    ),
    "ch06.hierarchical_inputs": (
        chunks_by_loop,
        [lambda z, c, n: (chunks_by_loop(z, c, n)[0], [torch.cat([p[:, c.shape[1]:], c], dim=1)
                                                       for p in chunks_by_loop(z, c, n)[1]]),  # [z_i, c]
         lambda z, c, n: (z[:, :z.shape[1] // n], [torch.cat([c, p], dim=1) for p in z.split(z.shape[1] // n, 1)]),
         lambda z, c, n: (z, [torch.cat([c, z], dim=1)] * (n - 1))],         # no split: the same z everywhere
    ),
}


def test_every_chapter_06_exercise_has_a_case():
    assert_cases_cover("ch06", CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_passes_solution_fails_stub_and_wrong_answers(name):
    assert_separates(name, *CASES[name])
