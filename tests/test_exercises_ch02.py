"""Chapter 02 checkers pass an independent solution, fail the stub and fail plausible wrong answers."""
import pytest
import torch
import torch.nn.functional as F

from exercise_checks import assert_cases_cover, assert_separates
from gan_course.exercises import ExerciseFailed, check



def grid_solution(z, k):  # written with loops, independently of the package
    zs, labels = [], []
    for c in range(k):
        for j in range(len(z)):
            zs.append(z[j])
            labels.append(c)
    return torch.stack(zs), torch.tensor(labels)


# name -> (a correct solution written independently of the package, [plausible wrong answers])
CASES = {
    "ch02.conditional_input": (
        lambda z, y, E: torch.cat([z, F.one_hot(y, E.shape[0]).to(E.dtype) @ E], 1),
        [lambda z, y, E: torch.cat([E[y], z], 1),                              # class first, then z
         lambda z, y, E: torch.cat([z, F.one_hot(y, E.shape[0]).float()], 1),  # one-hot, not embedded
         lambda z, y, E: torch.cat([z, y[:, None].float()], 1)],               # the label as one number
    ),
    "ch02.projection_logits": (
        lambda phi, w, b, V, y: torch.stack([phi[i] @ w + b + phi[i] @ V[y[i]] for i in range(len(y))]),
        [lambda phi, w, b, V, y: (V[y] * phi).sum(1),                          # psi(phi(x)) forgotten
         lambda phi, w, b, V, y: phi @ w + (V[y] * phi).sum(1),                # bias forgotten
         lambda phi, w, b, V, y: phi @ w + b + (V[y] * phi).mean(1),           # mean, not inner product
         lambda phi, w, b, V, y: (phi + V[y]) @ w + b],                        # label added to features
    ),
    "ch02.class_grid_inputs": (
        grid_solution,
        [lambda z, k: (z.repeat(k, 1), torch.arange(k).repeat(len(z))),        # classes along columns
         lambda z, k: (z.repeat_interleave(k, 0), torch.arange(k).repeat_interleave(len(z))),  # z per row
         lambda z, k: (z.repeat(k, 1), torch.arange(k * len(z)) // k)],        # wrong row length
    ),
}


def test_every_chapter_02_exercise_has_a_case():
    assert_cases_cover("ch02", CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_passes_solution_fails_stub_and_wrong_answers(name):
    assert_separates(name, *CASES[name])


def test_failure_message_names_the_exercise_and_gives_the_hint():
    with pytest.raises(ExerciseFailed, match=r"(?s)Projection discriminator.*hint: psi\(phi\)"):
        check("ch02.projection_logits", CASES["ch02.projection_logits"][1][0], quiet=True)
