"""Chapter 05 checkers pass an independent solution and fail the stub and plausible wrong answers."""
import pytest
import torch
import torch.nn.functional as F

from exercise_checks import assert_cases_cover, assert_separates


def fade_by_loops(x, alpha):
    blurred = torch.empty_like(x)
    for i in range(0, x.shape[-2], 2):
        for j in range(0, x.shape[-1], 2):
            blurred[..., i:i + 2, j:j + 2] = x[..., i:i + 2, j:j + 2].mean(dim=(-2, -1), keepdim=True)
    return alpha * x + (1 - alpha) * blurred


def mbstd_by_groups(x, group_size, strided=True):
    n, _, h, w = x.shape
    groups = n // group_size
    extra = torch.empty(n, 1, h, w)
    for m in range(groups):
        members = slice(m, None, groups) if strided else slice(m * group_size, (m + 1) * group_size)
        extra[members] = (x[members].var(dim=0, unbiased=False) + 1e-8).sqrt().mean()
    return torch.cat([x, extra], dim=1)


def schedule_by_walking(step, stabilise, fade, n_stages, *, fade_first=False, off_by_one=0, past_the_end=False):
    phases = [(0, None, stabilise)]
    for s in range(1, n_stages + (3 if past_the_end else 0)):
        pair = [(s, "fade", fade), (s, None, stabilise)]
        phases += pair[::-1] if fade_first else pair
    t = 0
    for stage, kind, length in phases:
        if step < t + length:
            return stage, (step - t + off_by_one) / fade if kind else 1.0
        t += length
    return n_stages - 1, 1.0


def up(x):
    return F.interpolate(x, scale_factor=2, mode="nearest")


CASES = {
    "ch05.fade_images": (
        fade_by_loops,
        [lambda x, a: a * up(F.avg_pool2d(x, 2)) + (1 - a) * x,                          # alpha backwards
         lambda x, a: (1 - a) * F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="bilinear") + a * x,
         lambda x, a: (1 - a) * up(F.max_pool2d(x, 2)) + a * x,                          # max instead of mean
         lambda x, a: (1 - a) * F.avg_pool2d(x, 2) + a * F.avg_pool2d(x, 2)],            # stays at half size
    ),
    "ch05.minibatch_stddev": (
        mbstd_by_groups,
        [lambda x, g: mbstd_by_groups(x, g, strided=False),                                 # consecutive samples
         lambda x, g: mbstd_by_groups(x, len(x)),                                           # one group: no groups
         lambda x, g: torch.cat([x, mbstd_by_groups(x, g)[:, -1:] * (g / (g - 1)) ** 0.5], 1),  # unbiased std
         lambda x, g: torch.cat([x, mbstd_by_groups(x, g)[:, -1:] ** 2], 1)],               # variance, no sqrt
    ),
    "ch05.stage_and_alpha": (
        schedule_by_walking,
        [lambda *args: schedule_by_walking(*args, off_by_one=1),                            # alpha starts at 1/fade
         lambda *args: schedule_by_walking(*args, fade_first=True),                         # fades, then stabilises
         lambda *args: schedule_by_walking(*args, past_the_end=True),                       # grows past the last stage
         lambda step, s, f, n: (min(step // (s + f), n - 1), 1.0)],                         # never fades
    ),
}


def test_every_chapter_05_exercise_has_a_case():
    assert_cases_cover("ch05", CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_passes_solution_fails_stub_and_wrong_answers(name):
    assert_separates(name, *CASES[name])
