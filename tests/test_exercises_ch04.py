"""Chapter 04 checkers pass an independent solution and fail the stub and plausible wrong answers."""
import math

import pytest
import torch
from torch import nn

from exercise_checks import assert_cases_cover, assert_separates



def conv_transpose_size_by_pytorch(h, k, s, p):
    return nn.ConvTranspose2d(1, 1, k, s, p)(torch.zeros(1, 1, h, h)).shape[-1]


def resolutions_by_loop(img_size):
    side = 7 if img_size % 7 == 0 else 4
    sides = [side]
    while sides[-1] < img_size:
        sides.append(2 * sides[-1])
    return tuple(sides)


CASES = {
    "ch04.transposed_conv_size": (
        conv_transpose_size_by_pytorch,
        [lambda h, k, s, p: h * s,                          # "stride s multiplies the size"
         lambda h, k, s, p: (h - 1) * s + k,                # padding forgotten
         lambda h, k, s, p: (h + 2 * p - k) // s + 1],      # the (forward) convolution's formula
    ),
    "ch04.resolutions": (
        resolutions_by_loop,
        [lambda n: tuple(4 * 2**i for i in range(int(math.log2(n / 4)) + 1)),  # always from 4: 28 never reached
         lambda n: resolutions_by_loop(n)[::-1],                               # D's order, not G's
         lambda n: resolutions_by_loop(n)[1:]],                                # forgets the projected map
    ),
    "ch04.latent_arithmetic": (
        lambda a, b, c: (a.sum(0) / len(a)) - (b.sum(0) / len(b)) + (c.sum(0) / len(c)),
        [lambda a, b, c: a.mean(0) - b[0] + c[0],                             # averages A only
         lambda a, b, c: a.mean(0) + b.mean(0) - c.mean(0),                  # signs swapped
         lambda a, b, c: torch.cat([a, -b, c]).mean(0)],                     # one pooled mean, not three
    ),
}


def test_every_chapter_04_exercise_has_a_case():
    assert_cases_cover("ch04", CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_passes_solution_fails_stub_and_wrong_answers(name):
    assert_separates(name, *CASES[name])
