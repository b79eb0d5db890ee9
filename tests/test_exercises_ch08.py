"""Chapter 08 checkers pass an independent solution and fail the stub and plausible wrong answers."""
import pytest
import torch
import torch.nn.functional as F

from exercise_checks import assert_cases_cover, assert_separates


def modulated_by_per_sample_weights(x, weight, styles, demodulate=True, eps=1e-8, square=True):
    """The paper's definition, one sample at a time: w' = s w, w'' = w' / sqrt(sum w'^2 + eps)."""
    out = []
    for b in range(len(x)):
        w = weight * styles[b][None, :, None, None]
        if demodulate:
            norm = w.square().sum(dim=(1, 2, 3), keepdim=True) if square else w.abs().sum(dim=(1, 2, 3), keepdim=True)
            w = w / (norm + eps).sqrt()
        out.append(F.conv2d(x[b:b + 1], w, padding=1))
    return torch.cat(out)


def modulated_normalised_by_data(x, weight, styles):
    """AdaIN's way: normalise each output map by its own std (what StyleGAN2 replaced)."""
    y = F.conv2d(x * styles[:, :, None, None], weight, padding=1)
    return y / (y.std(dim=(2, 3), keepdim=True) + 1e-8)


def lazy_by_hand(lr, betas, every, special_case_one=True):
    c = every / (every + 1) if every > 1 or not special_case_one else 1.0   # every = 1: not lazy, no own step
    return lr * c, (betas[0] ** c, betas[1] ** c)


def projection_by_loops(images, target, features, weight):
    out = []
    for i in range(len(images)):
        mse = ((images[i] - target[i]) ** 2).mean()
        fx, ft = features(images[i:i + 1])[0], features(target[i:i + 1])[0]
        out.append(mse + weight * ((fx / fx.norm() - ft / ft.norm()) ** 2).sum())
    return torch.stack(out)


CASES = {
    "ch08.modulated_conv": (
        modulated_by_per_sample_weights,
        [lambda x, w, s: modulated_by_per_sample_weights(x, w, s, demodulate=False),      # no demodulation
         lambda x, w, s: modulated_by_per_sample_weights(x, w, s, square=False),          # L1, not L2 norm
         lambda x, w, s: modulated_by_per_sample_weights(x, w, 1 / s),                    # styles divide
         lambda x, w, s: F.conv2d(x, w, padding=1),                                       # no style at all
         modulated_normalised_by_data],                                                   # instance norm
    ),
    "ch08.lazy_adam": (
        lazy_by_hand,
        [lambda lr, b, k: (lr, b),                                                        # no adjustment
         lambda lr, b, k: lazy_by_hand(lr, b, k, special_case_one=False),                 # halves every = 1
         lambda lr, b, k: (lr * k / (k + 1), (b[0] * k / (k + 1), b[1] * k / (k + 1))),   # betas times c
         lambda lr, b, k: (lr * (k + 1) / k, (b[0] ** ((k + 1) / k), b[1] ** ((k + 1) / k))),  # c upside down
         lambda lr, b, k: (lr / k, (b[0] ** (1 / k), b[1] ** (1 / k)))],                   # 1/k
    ),
    "ch08.projection_loss": (
        projection_by_loops,
        [lambda i, t, f, w: ((i - t) ** 2).flatten(1).mean(1),                            # pixels only
         lambda i, t, f, w: ((i - t) ** 2).flatten(1).sum(1) + w * ((F.normalize(f(i)) - F.normalize(f(t))) ** 2).sum(1),
         lambda i, t, f, w: ((i - t) ** 2).flatten(1).mean(1) + w * ((f(i) - f(t)) ** 2).sum(1),  # not normalised
         lambda i, t, f, w: projection_by_loops(i, t, f, w).mean()],                       # one number, not [B]
    ),
}


def test_every_chapter_08_exercise_has_a_case():
    assert_cases_cover("ch08", CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_passes_solution_fails_stub_and_wrong_answers(name):
    assert_separates(name, *CASES[name])
