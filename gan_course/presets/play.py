"""The `play` budget of a chapter's main run (chapters 05 and 06): its train config with more steps, nothing else."""
from __future__ import annotations

import dataclasses

from ..training import TrainConfig


def check_play_train(play_train, train: TrainConfig, minimum_steps: int, why: str) -> None:
    """`play_train` must be None or `train` with more than `minimum_steps` steps (`why` says what that minimum is)."""
    if play_train is None:
        return
    if not isinstance(play_train, TrainConfig):
        raise TypeError(f"play_train must be a TrainConfig or None, got {type(play_train).__name__}")
    if play_train.steps <= minimum_steps:
        raise ValueError(f"play_train.steps must be more than {why}, got {play_train.steps}")
    if dataclasses.replace(play_train, steps=train.steps) != train:
        changed = [f"{f.name}={getattr(play_train, f.name)!r} (train: {getattr(train, f.name)!r})"
                   for f in dataclasses.fields(TrainConfig)
                   if f.name != "steps" and getattr(play_train, f.name) != getattr(train, f.name)]
        raise ValueError(f"play_train must be the preset's train config with more steps only, but it has "
                         f"{', '.join(changed)}")
