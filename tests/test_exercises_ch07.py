"""Chapter 07 checkers pass an independent solution and fail the stub and plausible wrong answers."""
import pytest
import torch

from exercise_checks import assert_cases_cover, assert_separates

from gan_course import exercises


def adain_by_loops(x, scale, bias):
    out = torch.empty_like(x)
    for i in range(x.shape[0]):
        for c in range(x.shape[1]):
            m = x[i, c]
            out[i, c] = scale[i, c] * (m - m.mean()) / (m.var(unbiased=False) + 1e-8).sqrt() + bias[i, c]
    return out


def mix_by_loops(ws_a, ws_b, crossover, offset=0):
    return torch.stack([ws_a[:, k] if k < crossover + offset else ws_b[:, k] for k in range(ws_a.shape[1])], dim=1)


def truncate_by_loops(ws, w_avg, psi, cutoff, offset=0, above=False):
    layers = [w_avg + psi * (ws[:, k] - w_avg) if (k >= cutoff if above else k < cutoff + offset) else ws[:, k]
              for k in range(ws.shape[1])]
    return torch.stack(layers, dim=1)


def _adain_norm_over(dims, unbiased=False):
    def adain(x, scale, bias):
        mean, var = x.mean(dim=dims, keepdim=True), x.var(dim=dims, keepdim=True, unbiased=unbiased)
        return scale[:, :, None, None] * (x - mean) / (var + 1e-8).sqrt() + bias[:, :, None, None]
    return adain


CASES = {
    "ch07.adain": (
        adain_by_loops,
        [_adain_norm_over((2, 3), unbiased=True),                                   # unbiased std
         _adain_norm_over((1, 2, 3)),                                               # layer norm: over channels too
         _adain_norm_over((0, 2, 3)),                                               # batch norm: over the batch
         lambda x, s, b: s[:, :, None, None] * x + b[:, :, None, None],             # no normalisation
         lambda x, s, b: (1 + s[:, :, None, None]) * _adain_norm_over((2, 3))(x, torch.ones_like(s), 0 * b)
         + b[:, :, None, None]],                                                    # 1 + scale (the module's form)
    ),
    "ch07.style_mix": (
        mix_by_loops,
        [lambda a, b, c: mix_by_loops(b, a, c),                                     # a and b swapped
         lambda a, b, c: mix_by_loops(a, b, c, offset=1),                           # crossover layer from a
         lambda a, b, c: mix_by_loops(a, b, c, offset=-1),                          # one layer too few from a
         lambda a, b, c: (a + b) / 2],                                              # averaged, not mixed
    ),
    "ch07.truncate": (
        truncate_by_loops,
        [lambda ws, w, p, c: truncate_by_loops(ws, w, p, c, above=True),            # the fine layers truncated
         lambda ws, w, p, c: truncate_by_loops(ws, w, p, c, offset=1),              # cutoff layer included
         lambda ws, w, p, c: truncate_by_loops(ws, w, p, ws.shape[1]),              # cutoff ignored
         lambda ws, w, p, c: truncate_by_loops(ws, w, 1 - p, c),                    # psi backwards
         lambda ws, w, p, c: truncate_by_loops(ws, torch.zeros_like(w), p, c)],     # towards 0, not w_avg
    ),
}


def test_every_chapter_07_exercise_has_a_case():
    assert_cases_cover("ch07", CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_passes_solution_fails_stub_and_wrong_answers(name):
    assert_separates(name, *CASES[name])


def test_a_truncation_that_overwrites_ws_in_place_fails_and_says_so():
    def in_place(ws, w_avg, psi, cutoff):  # right numbers, but the caller's ws is changed for good
        ws[:, :cutoff] = w_avg + psi * (ws[:, :cutoff] - w_avg)
        return ws

    with pytest.raises(exercises.ExerciseFailed, match="changed its input number 1 .* in place"):
        exercises.check("ch07.truncate", in_place, quiet=True)
    assert exercises.check("ch07.truncate", truncate_by_loops, quiet=True)
