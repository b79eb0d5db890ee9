"""Device, seed and CPU threads: explicit calls, never done at import time.

Every notebook starts with one line, `dev = runtime.setup(device, seed)`, which picks the device,
seeds every random generator and sets how many CPU threads PyTorch may use. On a CPU the same seed
gives the same numbers, run after run (tests rely on it); on a GPU some kernels are
non-deterministic, so results agree only approximately.

Why the thread count is a deliberate choice: PyTorch starts one worker thread per core, and its
workers spin while they wait for each other. The course's networks are small, so a second thread
saves little, and when another program keeps a core busy the spinning workers wait for a core that
is not there: a tiny chapter that takes 30 s on an idle 2-core machine took 270-400 s next to one
busy process. The course therefore uses half the cores (at least 1, at most 8) unless told otherwise
through `$GAN_COURSE_THREADS` or `setup(threads=...)`. `python -m gan_course.course --busy-benchmark`
measures the difference on your machine.
"""
from __future__ import annotations

import os
import random

import numpy as np
import torch

DEVICE_NAMES = ("auto", "cpu", "cuda", "mps")
THREADS_ENV = "GAN_COURSE_THREADS"


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
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def default_threads(cores: int | None = None) -> int:
    """The course's choice: half the cores, at least 1 and at most 8 (2 cores -> 1 thread)."""
    cores = cores or os.cpu_count() or 1
    return max(1, min(8, cores // 2))


def resolve_threads(threads: int | str = "auto") -> int:
    """"auto" -> $GAN_COURSE_THREADS if set, else `default_threads()`; an int is taken as it is."""
    source = "argument"
    if threads == "auto" and os.environ.get(THREADS_ENV, "").strip():
        threads, source = os.environ[THREADS_ENV].strip(), f"${THREADS_ENV}"
    if threads == "auto":
        return default_threads()
    try:
        n = int(threads)
    except (TypeError, ValueError):
        n = 0
    if isinstance(threads, bool) or isinstance(threads, float) or n < 1:
        raise ValueError(f"threads must be 'auto' or an int >= 1, got {threads!r} (from {source})")
    return n


def set_threads(threads: int | str = "auto") -> int:
    """Let PyTorch use this many CPU threads (see the module doc for why); returns the number."""
    n = resolve_threads(threads)
    torch.set_num_threads(n)
    return n


def setup(device: str | torch.device = "auto", seed: int = 0, threads: int | str = "auto") -> torch.device:
    """A notebook's first call: pick the device, seed everything, set the CPU threads.

    Returns the device; prints nothing (the notebook prints its own summary line).
    """
    dev = get_device(device)
    seed_everything(seed)
    set_threads(threads)
    return dev


def describe(dev: torch.device) -> str:
    """One line for a notebook's setup cell: device, CPU threads, torch version."""
    return f"device: {dev} | CPU threads: {torch.get_num_threads()} | torch {torch.__version__}"
