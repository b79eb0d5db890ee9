"""Class accuracy of conditional samples (chapters 02, 06): does the requested class come out?"""

from __future__ import annotations

from typing import NamedTuple

import torch


class ClassAccuracy(NamedTuple):
    overall: float  # fraction of all samples whose predicted class is the target
    per_class: torch.Tensor  # [num_classes]; nan for a class with no target samples


def class_accuracy(predicted, target, num_classes: int) -> ClassAccuracy:
    """Does the requested class come out? Accuracy of a classifier on conditional samples.

    predicted: class indices [N] or logits [N, num_classes] (argmax is taken); target: the
    classes the generator was asked for, [N]. per_class[c] is the accuracy among samples with
    target c, and nan when no sample asked for class c (unknown, not 0).
    """
    pred, target = torch.as_tensor(predicted).detach().cpu(), torch.as_tensor(target).detach().cpu()
    if pred.ndim == 2:
        if pred.shape[1] != num_classes:
            raise ValueError(f"logits must be [N, num_classes={num_classes}]; got "
                             f"{tuple(pred.shape)}")
        pred = pred.argmax(dim=1)
    if pred.ndim != 1 or pred.shape != target.shape or len(target) == 0:
        raise ValueError(f"predicted ([N] or [N, C]) and target ([N]) must describe the same "
                         f"N > 0 samples; got {tuple(torch.as_tensor(predicted).shape)} and "
                         f"{tuple(target.shape)}")
    if pred.dtype.is_floating_point or pred.min() < 0 or pred.max() >= num_classes:
        raise ValueError(f"predicted classes must be integers in [0, {num_classes}) (or [N, {num_classes}] logits); "
                         f"got {pred.dtype} values from {pred.min().item()} to {pred.max().item()}")
    if target.dtype.is_floating_point or target.min() < 0 or target.max() >= num_classes:
        raise ValueError(f"target classes must be integers in [0, {num_classes}); got "
                         f"{target.dtype} values from {target.min().item()} to "
                         f"{target.max().item()}")
    target = target.long()
    correct = (pred == target).double()
    total = torch.bincount(target, minlength=num_classes).double()  # [C] samples per class
    hits = torch.bincount(target, weights=correct, minlength=num_classes)  # [C] correct per class
    return ClassAccuracy(correct.mean().item(), hits / total)  # 0/0 = nan for absent classes


def _probabilities(logits) -> torch.Tensor:
    logits = torch.as_tensor(logits).detach().cpu().double()
    if logits.ndim != 2 or len(logits) == 0 or logits.shape[1] < 2:
        raise ValueError(f"logits must be [N, num_classes] with N >= 1 and num_classes >= 2, got {tuple(logits.shape)}")
    if not torch.isfinite(logits).all():
        raise ValueError("logits hold NaN or inf values: a classifier's outputs must be finite")
    return logits.softmax(dim=1)


def mean_confidence(logits) -> float:
    """The classifier's mean top-class probability, mean_i max_c p(c | x_i): near 1 when every sample looks
    clearly like one class, near 1/C for samples it cannot place (an Inception-Score-like ingredient)."""
    return _probabilities(logits).max(dim=1).values.mean().item()


def effective_classes(logits) -> float:
    """exp(H(p(c))) of the classes predicted on average, p(c) = mean_i p(c | x_i): C when the samples spread
    evenly over C classes, 1 when every sample is one class (mode collapse over classes)."""
    p = _probabilities(logits).mean(dim=0)
    return torch.exp(-(p * p.clamp_min(1e-300).log()).sum()).item()
