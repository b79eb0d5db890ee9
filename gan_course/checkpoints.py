"""Saving and loading training state safely.

- Loading uses `torch.load(weights_only=True)`: a checkpoint holds tensors and plain Python values
  only, so opening one cannot run code (pickles can).
- Writing is atomic (a temporary file of this writer's own, then `os.replace`): a run killed mid-save
  leaves the old checkpoint intact instead of a truncated file; the next save of the same target removes
  the temporary files such a killed save left behind (never another target's, nor a live writer's).
- `check_writable` lets training fail before its first step when the checkpoint cannot be written.
- Every file stores the package version and the config it was trained with; loading into a model
  of another architecture names the keys and shapes that differ, and loading into a model built with
  another config (same shapes, e.g. ProGAN with equalized_lr off) names the settings that differ.
"""
from __future__ import annotations

import glob
import gzip
import io
import os
import pickle
import re
import secrets
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import __version__

FORMAT = "gan_course.checkpoint/1"


class CheckpointMismatch(ValueError):
    """A state dict does not fit the model it is loaded into."""


GZIP_MAGIC = b"\x1f\x8b"


def save(path: str | os.PathLike, state: dict[str, Any], config: Any = None, compress: bool = False) -> Path:
    """Write `state` (tensors, state dicts, plain values) with the config and version, atomically.

    The bytes go to a temporary file of this writer's own (`<name>.<pid>.<random>.tmp`), which then
    replaces `path`: a save that fails (a full disk) or is killed leaves the old checkpoint intact.
    The file gets the usual permissions (0666 minus the umask: 0644 with the common umask 022).
    """
    path = check_writable(path)
    payload = {"format": FORMAT, "version": __version__, "config": plain(config), **state}
    try:
        remove_stale_temporaries(path)
        tmp = path.parent / f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)  # umask applies
    except OSError as err:  # name the file the user asked for, not our temporary one
        raise type(err)(f"cannot write the checkpoint {path}: {err.strerror or err}") from err
    try:
        with os.fdopen(fd, "wb") as f:
            if compress:  # gzip (mtime 0: the same run gives the same bytes); float16 weights shrink ~14%
                buffer = io.BytesIO()
                torch.save(payload, buffer)
                f.write(gzip.compress(buffer.getvalue(), compresslevel=9, mtime=0))
            else:
                torch.save(payload, f)
        os.replace(tmp, path)  # atomic on POSIX and Windows
    except Exception as err:
        Path(tmp).unlink(missing_ok=True)
        kept = f"the previous checkpoint at {path} is unchanged" if path.exists() else "nothing was written"
        first_line = (str(err).strip().splitlines() or [""])[0]  # torch's "enforce fail at ..." and the like
        raise OSError(f"could not write the checkpoint {path} (is the disk full, or the folder read-only?); "
                      f"{kept}. The error: {type(err).__name__}: {first_line}") from err
    except BaseException:  # e.g. Ctrl-C mid-save: no half-written temporary stays behind
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def check_writable(path: str | os.PathLike, argument: str = "checkpoint_path") -> Path:
    """Make sure a checkpoint can be written at `path` (its folder exists or is created, and takes a
    file); raise a clear error naming `argument` otherwise. Training calls it *before* the first step,
    so a bad path fails at once instead of after hours of training."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{argument}={str(path)!r} is a folder, but a checkpoint is one file: give a file "
                                f"name, e.g. {str(path / 'run.pt')!r}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        blocker = next((p for p in [path.parent, *path.parent.parents] if p.exists() and not p.is_dir()), None)
        why = f"{blocker} is a file, not a folder" if blocker is not None else (err.strerror or str(err))
        raise type(err)(f"cannot write the checkpoint {path} ({argument}): {why}") from err
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write the checkpoint {path} ({argument}): the folder {path.parent} is not "
                              f"writable")
    return path


_TEMPORARY = re.compile(r"\.(\d+)\.[0-9a-f]{8}\.tmp")  # what `save` appends to the checkpoint's name


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Delete the temporaries of `path` that a killed save left behind; return them.

    Only `<name>.<pid>.<8 hex>.tmp` files of *this* path count, and only those whose writer (pid) is no
    longer running: another checkpoint's temporaries, and those of a writer still saving, are kept.
    Called before each save, so a run killed many times while saving does not fill the disk.
    """
    path = Path(path)
    stale = []
    for p in path.parent.glob(f"{glob.escape(path.name)}.*.tmp"):
        m = _TEMPORARY.fullmatch(p.name[len(path.name):])
        if m and p.is_file() and not _running(int(m.group(1))):
            p.unlink(missing_ok=True)
            stale.append(p)
    return stale


def _running(pid: int) -> bool:
    """Whether a process with this id runs (on this machine); our own pid counts as running."""
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill would end the process: keep its files
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # exists but is another user's, or the platform cannot tell
        return True
    return True


def load(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by `save`; refuses anything that is not plain data."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes): not a checkpoint, perhaps a save that was interrupted; "
                         f"delete it and train again, or load an older checkpoint")
    try:
        with open(path, "rb") as f:
            compressed = f.read(2) == GZIP_MAGIC
        source = io.BytesIO(gzip.decompress(path.read_bytes())) if compressed else path
        payload = torch.load(source, map_location=map_location, weights_only=True)
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
    """Save one model's weights with its config (e.g. a trained generator to share); the config defaults to
    the model's own (`model.cfg`), which `load_model` compares with the model it loads into."""
    return save(path, {"model": model.state_dict(), **extra}, model_config(model) if config is None else config)


def load_model(path: str | os.PathLike, model: nn.Module, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load weights saved by `save_model` into `model`; returns the whole payload (config, ...)."""
    payload = load(path, map_location)
    if "model" not in payload:
        raise ValueError(f"{path} is a training checkpoint (written by training.save_run), not one model's weights: "
                         f"resume it with train_gan(..., checkpoint_path=..., resume=True), or pick a module from "
                         f"checkpoints.load(path)['modules'] ({', '.join(payload.get('modules', {}))})")
    load_state(model, payload["model"], what=str(path), config=payload.get("config"))
    return payload


def model_config(model: nn.Module) -> dict[str, Any] | None:
    """The config a model was built from (`model.cfg` or `model.config`, a dataclass) as plain values."""
    cfg = getattr(model, "cfg", None) or getattr(model, "config", None)
    return plain(cfg) if is_dataclass(cfg) and not isinstance(cfg, type) else None


def config_differences(saved: Any, now: Any) -> list[str]:
    """"key: checkpoint a, now b" for each setting both configs have and that differs."""
    if not isinstance(saved, dict) or not isinstance(now, dict):
        return []
    return [f"{k}: checkpoint {saved[k]!r}, now {now[k]!r}" for k in sorted(set(saved) & set(now)) if saved[k] != now[k]]


def check_config(saved: Any, model: nn.Module, what: str = "checkpoint") -> None:
    """Refuse to load weights saved from a model built with another config into `model`: tensors of the
    same shapes can mean something else (ProGAN's equalized_lr stores weights unscaled or scaled)."""
    changed = config_differences(saved, model_config(model))
    if changed:
        raise CheckpointMismatch(f"the {what} was saved from a {type(model).__name__} built with another config; "
                                 f"loading it would change what the model computes. Differences:\n  "
                                 + "\n  ".join(changed) + "\nBuild the model with the checkpoint's config "
                                 f"(checkpoints.load(path)['config']).")


def load_state(model: nn.Module, state_dict: dict[str, torch.Tensor], what: str = "checkpoint",
               config: Any = None) -> None:
    """`model.load_state_dict` with an error that lists every missing, unexpected or resized key, and,
    when the saved `config` is given, every setting in which it differs from the model's own config."""
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
    check_config(config, model, what)
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
