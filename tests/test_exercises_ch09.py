"""Chapter 09 checkers pass an independent solution and fail the stub and plausible wrong answers."""
import math

import pytest
import torch
import torch.nn.functional as F

from exercise_checks import assert_cases_cover, assert_separates


def unshuffle_by_loops(x, r):
    b, c, h, w = x.shape
    out = torch.empty(b, c * r * r, h // r, w // r)
    for ch in range(c):
        for i in range(r):
            for j in range(r):
                out[:, ch * r * r + i * r + j] = x[:, ch, i::r, j::r]
    return out


def unshuffle_tensorflow_order(x, r):  # channels-last frameworks put the colour channel fastest
    b, c, h, w = x.shape
    return x.view(b, c, h // r, r, w // r, r).permute(0, 3, 5, 1, 2, 4).reshape(b, c * r * r, h // r, w // r)


def luma_255(x):
    rgb = (x + 1) / 2 * 255
    return 16 + (65.481 * rgb[:, 0] + 128.553 * rgb[:, 1] + 24.966 * rgb[:, 2]) / 255


def psnr_y_by_hand(sr, hr, shave, weights=None, average_mse=False, shave_it=True, data_range=255.0):
    ys, yh = luma_255(sr.double()), luma_255(hr.double())
    if weights is not None:  # another definition of luma
        to01 = lambda t: (t.double() + 1) / 2  # noqa: E731
        ys, yh = (255 * sum(wk * to01(t)[:, k] for k, wk in enumerate(weights)) for t in (sr, hr))
    if shave_it:
        ys, yh = ys[:, shave:-shave, shave:-shave], yh[:, shave:-shave, shave:-shave]
    mse = (ys - yh).pow(2).flatten(1).mean(1)
    if average_mse:
        return 10 * math.log10(data_range**2 / mse.mean().item())
    return (10 * torch.log10(data_range**2 / mse)).mean().item()


def content_by_hand(features, fake, real):
    return (features(fake) - features(real)).pow(2).sum() / features(real).numel()


CASES = {
    "ch09.pixel_unshuffle": (
        unshuffle_by_loops,
        [unshuffle_tensorflow_order,                                                        # the paper's channel order
         lambda x, r: x.view(x.shape[0], -1, x.shape[2] // r, x.shape[3] // r),             # a reshape, no permute
         lambda x, r: x[:, :, ::r, ::r].repeat(1, r * r, 1, 1)],                            # strided sampling
    ),
    "ch09.psnr_y": (
        psnr_y_by_hand,
        [lambda s, h, k: psnr_y_by_hand(s, h, k, weights=(0.299, 0.587, 0.114)),             # full-range (JPEG) luma
         lambda s, h, k: psnr_y_by_hand(s, h, k, shave_it=False),                            # border kept
         lambda s, h, k: psnr_y_by_hand(s, h, k, average_mse=True),                          # PSNR of the mean MSE
         lambda s, h, k: psnr_y_by_hand(s, h, k, data_range=2.0)],                           # Y on 0..255, range of [-1, 1]
    ),
    "ch09.content_loss": (
        content_by_hand,
        [lambda phi, fake, real: F.mse_loss(fake, real),                                     # pixel MSE
         lambda phi, fake, real: (phi(fake) - phi(real)).pow(2).sum(),                       # sum, not mean
         lambda phi, fake, real: (phi(fake) - phi(real)).abs().mean(),                       # L1
         lambda phi, fake, real: phi(fake - real).pow(2).mean()],                            # features of the difference
    ),
}


def test_every_chapter_09_exercise_has_a_case():
    assert_cases_cover("ch09", CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_passes_solution_fails_stub_and_wrong_answers(name):
    assert_separates(name, *CASES[name])
