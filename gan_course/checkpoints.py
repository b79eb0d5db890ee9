"""Saving and loading training state safely.

- Loading uses `torch.load(weights_only=True)`: a checkpoint holds tensors and plain Python values
  only, so opening one cannot run code (pickles can).
- Writing is atomic (a temporary file, then `os.replace`): a run killed mid-save leaves the old
  checkpoint intact instead of a truncated file; the next save of the same target removes the
  temporary files such a killed save left behind.
- Every file stores the package version and the config it was trained with, and loading into a
  model of another architecture names the keys and shapes that differ.
"""
from __future__ import annotations

import glob
import os
import pickle
import re
import tempfile
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import __version__

FORMAT = "gan_course.checkpoint/1"


class CheckpointMismatch(ValueError):
    """A state dict does not fit the model it is loaded into."""


def save(path: str | os.PathLike, state: dict[str, Any], config: Any = None) -> Path:
    """Write `state` (tensors, state dicts, plain values) with the config and version, atomically."""
    path = Path(path)
    payload = {"format": FORMAT, "version": __version__, "config": plain(config), **state}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError as err:  # name the file the user asked for, not our temporary one
        raise type(err)(f"cannot write the checkpoint {path}: {err.strerror or err}") from err
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
        os.replace(tmp, path)  # atomic on POSIX and Windows
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Delete `<name>*.tmp` files beside `path`: what a save killed before its rename leaves behind.

    Called before each save of `path` (one writer per checkpoint file), so a run that was killed
    many times while saving does not slowly fill the disk with copies of its weights.
    """
    stale = [p for p in path.parent.glob(f"{glob.escape(path.name)}*.tmp") if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def load(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by `save`; refuses anything that is not plain data."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes): not a checkpoint, perhaps a save that was interrupted; "
                         f"delete it and train again, or load an older checkpoint")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:
        text = str(err)
        detail = re.search(r"WeightsUnpickler error:\s*(.+)", text)
        detail = detail.group(1).strip() if detail else (text.splitlines() or ["no message"])[0]
        if "Unsupported global" in text:  # an object that is not plain data: never run its code
            raise pickle.UnpicklingError(f"{path} holds objects that are not plain data, so it is not loaded "
                                         f"(weights_only=True): {detail}") from err
        # a truncated file, random bytes, another format ...
        raise ValueError(f"{path} is not a readable gan_course checkpoint ({type(err).__name__}: {detail})") from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a gan_course checkpoint (expected format {FORMAT!r})")
    return payload


def save_model(path: str | os.PathLike, model: nn.Module, config: Any = None, **extra: Any) -> Path:
    """Save one model's weights with its config (e.g. a trained generator to share)."""
    return save(path, {"model": model.state_dict(), **extra}, config)


def load_model(path: str | os.PathLike, model: nn.Module, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load weights saved by `save_model` into `model`; returns the whole payload (config, ...)."""
    payload = load(path, map_location)
    if "model" not in payload:
        raise ValueError(f"{path} is a training checkpoint (written by training.save_run), not one model's weights: "
                         f"resume it with train_gan(..., checkpoint_path=..., resume=True), or pick a module from "
                         f"checkpoints.load(path)['modules'] ({', '.join(payload.get('modules', {}))})")
    load_state(model, payload["model"], what=str(path))
    return payload


def load_state(model: nn.Module, state_dict: dict[str, torch.Tensor], what: str = "checkpoint") -> None:
    """`model.load_state_dict` with an error that lists every missing, unexpected or resized key."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    resized = [f"{k}: checkpoint {tuple(state_dict[k].shape)} vs model {tuple(own[k].shape)}"
               for k in own if k in state_dict and own[k].shape != state_dict[k].shape]
    if missing or unexpected or resized:
        lines = [f"the {what} does not fit {type(model).__name__} (another architecture or config?):"]
        for label, keys in (("missing from checkpoint", missing), ("not in model", unexpected),
                            ("shape differs", resized)):
            if keys:
                shown = ", ".join(keys[:8]) + (f", ... ({len(keys)} in all)" if len(keys) > 8 else "")
                lines.append(f"  {label}: {shown}")
        raise CheckpointMismatch("\n".join(lines))
    model.load_state_dict(state_dict)


def plain(config: Any) -> Any:
    """Dataclass configs become dicts of plain values, which weights_only loading accepts."""
    if config is None:
        return None
    if is_dataclass(config):
        config = asdict(config)
    if isinstance(config, dict):
        return {k: _plain_value(v) for k, v in config.items()}
    raise TypeError(f"config must be a dataclass or dict, got {type(config).__name__}")


def _plain_value(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain_value(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)  # e.g. a torch.device: kept readable, never unpickled as an object
