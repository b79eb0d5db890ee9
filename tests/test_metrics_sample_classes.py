"""Mean classifier confidence and effective classes of samples, against hand-computed values."""
import math

import pytest
import torch

from gan_course import metrics

BIG = 50.0  # a logit margin whose softmax is one-hot to double precision


def test_one_hot_predictions_spread_evenly_count_every_class():
    logits = torch.eye(4, dtype=torch.float64) * BIG  # cpu: a hand-made example
    assert metrics.mean_confidence(logits) == pytest.approx(1.0)
    assert metrics.effective_classes(logits) == pytest.approx(4.0)


def test_every_sample_one_class_is_one_effective_class():
    logits = torch.tensor([[BIG, 0.0, 0.0]] * 5)  # cpu: a hand-made example
    assert metrics.effective_classes(logits) == pytest.approx(1.0)


def test_uniform_outputs_have_confidence_one_over_c_and_c_effective_classes():
    logits = torch.zeros(7, 5)  # cpu: a hand-made example
    assert metrics.mean_confidence(logits) == pytest.approx(0.2)
    assert metrics.effective_classes(logits) == pytest.approx(5.0)


def test_a_hand_computed_mixture():
    # p(x1) = (0.75, 0.25), p(x2) = (1, 0): confidence (0.75 + 1) / 2; mean p = (0.875, 0.125)
    logits = torch.tensor([[math.log(3), 0.0], [BIG, 0.0]], dtype=torch.float64)  # cpu: a hand-made example
    assert metrics.mean_confidence(logits) == pytest.approx(0.875)
    h = -(0.875 * math.log(0.875) + 0.125 * math.log(0.125))
    assert metrics.effective_classes(logits) == pytest.approx(math.exp(h))


@pytest.mark.parametrize("bad, match", [(torch.zeros(3), r"\[N, num_classes\]"), (torch.zeros(0, 4), "N >= 1"),
                                        (torch.tensor([[0.0, float("nan")]]), "NaN or inf")])
def test_bad_logits_are_refused(bad, match):
    for fn in (metrics.mean_confidence, metrics.effective_classes):
        with pytest.raises(ValueError, match=match):
            fn(bad)
