"""Chapter 10 checkers pass an independent solution and fail the stub and plausible wrong answers."""
import pytest
import torch
import torch.nn.functional as F

from exercise_checks import assert_cases_cover, assert_separates


def nearest_by_cdist(z, codebook):
    return torch.cdist(z, codebook).argmin(1)


def ema_by_loops(count, sums, z, indices, decay, eps=1e-5):
    k = len(count)
    count = torch.stack([decay * count[j] + (1 - decay) * (indices == j).sum() for j in range(k)])
    sums = torch.stack([decay * sums[j] + (1 - decay) * z[indices == j].sum(0) for j in range(k)])
    n = count.sum()
    return count, sums, sums / ((count + eps) / (n + k * eps) * n)[:, None]


def ema_without_smoothing(count, sums, z, indices, decay):
    count, sums, _ = ema_by_loops(count, sums, z, indices, decay)
    return count, sums, sums / count[:, None]


def ema_decay_swapped(count, sums, z, indices, decay):
    return ema_by_loops(count, sums, z, indices, 1 - decay)


def ema_batch_means_only(count, sums, z, indices, decay):
    """The codebook as this batch's means: what the moving average is there to avoid."""
    count, sums, codebook = ema_by_loops(count, sums, z, indices, decay)
    one_hot = F.one_hot(indices, len(count)).float()
    return count, sums, one_hot.T @ z / (one_hot.sum(0)[:, None] + 1e-5)


def perplexity_by_counting(indices, k):
    counts = torch.tensor([(indices == j).sum().item() for j in range(k)], dtype=torch.float64)
    p = counts[counts > 0] / counts.sum()
    return 2 ** -(p * p.log2()).sum()            # exp of the entropy in nats = 2 ** the entropy in bits


def perplexity_with_zeros(indices, k):
    p = torch.bincount(indices.flatten(), minlength=k).double() / indices.numel()
    return torch.exp(-(p * p.log()).sum())        # 0 * log 0 = nan


def perplexity_per_image(indices, k):
    """Averaged over images: one image's codes are not a whole pass over the data."""
    return torch.stack([perplexity_by_counting(row, k) for row in indices]).mean()


def entropy_not_perplexity(indices, k):
    p = torch.bincount(indices.flatten(), minlength=k).double() / indices.numel()
    p = p[p > 0]
    return -(p * p.log()).sum()


def codes_in_use(indices, k):
    return torch.tensor(float(len(indices.unique())), dtype=torch.float64)


CASES = {
    "ch10.nearest_code": (
        nearest_by_cdist,
        [lambda z, e: (z @ e.T).argmax(1),                                               # largest dot product
         lambda z, e: (z.pow(2).sum(1, keepdim=True) - 2 * z @ e.T + e.pow(2).sum(1)).argmax(1),  # farthest
         lambda z, e: (z.pow(2).sum(1, keepdim=True) + 2 * z @ e.T + e.pow(2).sum(1)).argmin(1),  # sign of z.e
         lambda z, e: (z[:, None] - e[None]).abs().sum(-1).argmin(1)],                   # L1 distance
    ),
    "ch10.ema_update": (ema_by_loops, [ema_without_smoothing, ema_decay_swapped, ema_batch_means_only]),
    "ch10.perplexity": (
        perplexity_by_counting,
        [perplexity_with_zeros, perplexity_per_image, entropy_not_perplexity, codes_in_use,
         lambda idx, k: perplexity_by_counting(idx, k).item()],                          # a float, not a tensor
    ),
}


def test_every_chapter_10_exercise_has_a_case():
    assert_cases_cover("ch10", CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_passes_solution_fails_stub_and_wrong_answers(name):
    assert_separates(name, *CASES[name])
