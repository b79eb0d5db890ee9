"""Device choice and seeding: explicit calls, never done at import time.

A notebook starts with `device = runtime.get_device("auto")` and `runtime.seed_everything(seed)`.
On a CPU the same seed gives the same numbers, run after run (tests rely on it); on a GPU some
kernels are non-deterministic, so results agree only approximately.
"""
from __future__ import annotations

import random

import numpy as np
import torch

DEVICE_NAMES = ("auto", "cpu", "cuda", "mps")


def get_device(name: str | torch.device = "auto") -> torch.device:
    """"auto" picks cuda, then mps (Apple GPUs), then cpu; a named device must exist."""
    if isinstance(name, torch.device):
        name = str(name)
    if not isinstance(name, str) or name.split(":")[0] not in DEVICE_NAMES:
        raise ValueError(f"unknown device {name!r}; valid: {', '.join(DEVICE_NAMES)} (or 'cuda:N')")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(
            f"device={name!r} was asked for, but this PyTorch sees no CUDA GPU "
            f"(torch {torch.__version__}, CUDA build: {torch.version.cuda or 'no'}); "
            f"use device='auto' or 'cpu'"
        )
    if name == "mps" and not _mps_available():
        raise RuntimeError("device='mps' was asked for, but no Apple-silicon GPU is available; use 'auto' or 'cpu'")
    return torch.device(name)


def _mps_available() -> bool:
    return hasattr(torch.backends, "mps") and torch.backends.mps.is_available()


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (all devices), so a run can be repeated exactly on a CPU."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
