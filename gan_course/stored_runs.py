"""Play first: the course's stored training runs, loaded instead of trained when they match exactly.

A chapter notebook opens its *shelf* once, and hands it to every training call:

    shelf = stored_runs.open_shelf("04_dcgan", preset, seed, pretrained)   # pretrained="auto" | False
    run = training.train_gan(G, D, x, P.train, device=dev, pretrained=shelf)

With `pretrained="auto"`, `train_gan` / `train_model` look on the shelf for a stored run of *this very
training*: same chapter, preset and seed, and the same fingerprint, i.e. the same configs, the same
initial weights, the same data and the same random state at the start. A match is loaded into the
`Run` that training would have returned (weights, history, snapshots, step, seconds, and the random
state training ended in), so every later cell prints what the recorded run printed. Anything else
trains, after one line that says why. `pretrained=False` trains everything, as without a shelf.

`make checkpoints` executes each chapter on `small` with `pretrained="record"`: every run trains,
(`make checkpoints MISSING=1` uses "fill": runs already stored and current load, only the others train),
is stored (weights in float16, see `PRECISION`), and the notebook continues with what was stored,
so the recorded notebook and every later loading one compute from the same numbers. A registry per
chapter (`weights/runs/<chapter>/registry.json`) lists each file with its sha256, the chapter, preset
and seed, fingerprints, the package version and the command that rebuilds it. An entry may name a URL
instead of a file (bigger runs for the GPU presets): it is downloaded with `pooch`, only when downloads
are allowed ($GAN_COURSE_DOWNLOADS=1), into a cache ($GAN_COURSE_CACHE), and verified before use.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import torch

from . import __version__, checkpoints

ROOT = Path(__file__).resolve().parent / "weights" / "runs"
ROOT_ENV = "GAN_COURSE_RUNS"          # another shelf folder (tests; a classroom's own runs)
DOWNLOADS_ENV = "GAN_COURSE_DOWNLOADS"  # "1": registry entries that name a URL may be downloaded
CACHE_ENV = "GAN_COURSE_CACHE"        # where downloaded runs are kept (default: the user's cache folder)
REGISTRY = "registry.json"
MODES = ("auto", True, False, "record", "fill")
# Runs stored by an older package than this mean something else now (a model or a loss changed what
# its weights compute): they are never loaded. Raise it with such a change, then `make checkpoints`.
COMPATIBLE_SINCE = "0.1.0"
# Weights, snapshots: float16 halves the files (the whole course fits in the repository); a tensor that
# float16 cannot hold (beyond +-65504) stays float32. The recording notebook continues with the rounded
# weights, so loading one reproduces its printed numbers exactly.
PRECISION = torch.float16


class StoredRunError(ValueError):
    """A stored run cannot be used: missing, damaged, stale or not downloadable. The message is one line."""


@dataclasses.dataclass
class StoredRun:
    """One registry entry: a training run of a chapter, stored in a file of the package or at a URL."""

    chapter: str
    preset: str
    seed: int
    index: int                 # the notebook's index-th training call (0, 1, ...)
    name: str                  # what was trained, e.g. "DCGANGenerator vs DCGANDiscriminator"
    fingerprint: str           # configs + initial weights + data + random state: the whole run
    config_fingerprint: str    # the training and model configs alone
    preset_fingerprint: str    # the chapter's preset when the run was stored (see `check_current`)
    config: dict               # the training config, plain values (to name what differs)
    modules: dict              # name -> [class, model config] of each stored module
    sha256: str
    bytes: int
    package_version: str
    steps: int
    seconds: float             # wall-clock training time of the recorded run
    precision: str = "float16"
    classifiers: str = ""      # sha256 of the shipped classifiers' weights (FIDs and feature losses use them)
    file: str = ""             # in the chapter's folder, or
    url: str = ""              # a download (`pooch`), verified by sha256
    rebuild: str = ""          # the command that makes this file again

    def describe(self) -> str:
        return f"stored run {self.index} of {self.chapter} ({self.preset}, seed {self.seed}: {self.name})"


# --- Fingerprints --------------------------------------------------------------------------------------
def _digest(*tensors: torch.Tensor | None) -> str:
    h = hashlib.blake2b(digest_size=16)
    for t in tensors:
        if t is None:
            h.update(b"none")
            continue
        t = t.detach().cpu().contiguous()
        h.update(f"{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def _hash_json(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def module_configs(modules: dict[str, torch.nn.Module]) -> dict[str, list]:
    """name -> [the module's class as "package.module.Class", its model config]: enough to build it again."""
    return {k: [f"{type(m).__module__}.{type(m).__qualname__}", checkpoints.model_config(m)]
            for k, m in sorted(modules.items())}


def config_fingerprint(config: Any, modules: dict[str, torch.nn.Module]) -> str:
    return _hash_json([checkpoints.plain(config), module_configs(modules)])


def preset_fingerprint(chapter: str, preset: str) -> str:
    """A hash of the chapter's whole preset: any change to it makes that preset's stored runs stale."""
    from .presets import get_preset
    return _hash_json(checkpoints.plain(get_preset(chapter, preset)))


def settings_fingerprint(settings: Any) -> str:
    """A hash of the notebook's preset object P as it is now: a learner's edit (P.feature_weight = 0) changes it,
    and the settings a training call reads from P (a content loss's weight, FID every k steps) are covered."""
    return _hash_json(checkpoints.plain(settings))


_CLASSIFIERS: list[str] = []


def classifiers_fingerprint() -> str:
    """The shipped classifiers' weights, whose features FIDs during training and feature losses use."""
    if not _CLASSIFIERS:
        files = sorted((Path(__file__).resolve().parent / "weights").glob("*.pt"))
        _CLASSIFIERS.append(hashlib.sha256(b"".join(file_sha256(f).encode() for f in files)).hexdigest()[:16])
    return _CLASSIFIERS[0]


def run_fingerprint(run, x: torch.Tensor, y: torch.Tensor | None) -> dict[str, str]:
    """What decides a training run on the CPU: configs, initial weights, data, and the random state now."""
    parts = {"config": config_fingerprint(run.config, run.modules),
             "weights": _digest(*[t for _, m in sorted(run.modules.items()) for t in m.state_dict().values()]),
             "data": _digest(x, y),
             "random state": _digest(torch.get_rng_state())}
    parts["run"] = _hash_json(parts)
    return parts


# --- The registry ------------------------------------------------------------------------------------
def root() -> Path:
    return Path(os.environ.get(ROOT_ENV, "").strip() or ROOT)


_FIELDS = {f.name: f.type for f in dataclasses.fields(StoredRun)}


def _entry(row: Any) -> StoredRun:
    """A registry row as a StoredRun; keys a newer package added are ignored, wrong types are an error."""
    if not isinstance(row, dict):
        raise TypeError(f"a row is a {type(row).__name__}, not an object")
    kinds = {"str": str, "int": int, "float": (int, float), "dict": dict}
    known = {k: v for k, v in row.items() if k in _FIELDS}
    for k, v in known.items():
        if not isinstance(v, kinds[_FIELDS[k]]) or isinstance(v, bool):
            raise TypeError(f"{k} is {v!r}, not a {_FIELDS[k]}")
    entry = StoredRun(**known)
    if bool(entry.file) == bool(entry.url):
        raise TypeError(f"{entry.describe()} names {'both a file and a URL' if entry.file else 'neither a file nor a URL'}")
    return entry


def read_registry(chapter: str, folder: Path | None = None) -> list[StoredRun]:
    path = (folder or root()) / chapter / REGISTRY
    if not path.is_file():
        return []
    try:
        rows = json.loads(path.read_text())
        if not isinstance(rows, list):
            raise TypeError(f"it holds a {type(rows).__name__}, not a list of runs")
        return [_entry(row) for row in rows]
    except (ValueError, TypeError) as err:
        raise StoredRunError(f"{path} is not a readable registry ({str(err).splitlines()[0]}); restore it (git "
                             f"checkout) or rebuild it with `make checkpoints CHAPTERS={chapter[:2]}`") from err


def write_registry(chapter: str, entries: list[StoredRun], folder: Path | None = None) -> Path:
    path = (folder or root()) / chapter / REGISTRY
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [dataclasses.asdict(e) for e in sorted(entries, key=lambda e: (e.preset, e.seed, e.index))]
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(rows, indent=1) + "\n")
    os.replace(tmp, path)
    return path


def _version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split(".")[:3] if p.isdigit())


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def downloads_allowed() -> bool:
    return os.environ.get(DOWNLOADS_ENV, "").strip().lower() in ("1", "true", "yes")


def cache_dir() -> Path:
    import pooch
    return Path(os.environ.get(CACHE_ENV, "").strip() or pooch.os_cache("gan_course"))


def locate(entry: StoredRun, folder: Path | None = None) -> Path:
    """The verified file of a stored run (downloading it first when it is a URL entry and downloads are allowed);
    a `StoredRunError` with one line that says what is wrong and how to rebuild, otherwise."""
    rebuild = entry.rebuild or f"make checkpoints CHAPTERS={entry.chapter[:2]}"
    if _version_tuple(entry.package_version) < _version_tuple(COMPATIBLE_SINCE):
        raise StoredRunError(f"{entry.describe()} was stored by gan_course {entry.package_version}, whose weights mean "
                             f"something else since {COMPATIBLE_SINCE}; rebuild it with `{rebuild}`")
    if entry.url and not entry.file:
        return _download(entry)
    path = (folder or root()) / entry.chapter / entry.file
    if not path.is_file():
        raise StoredRunError(f"{entry.describe()}: its file {path} is missing; rebuild it with `{rebuild}`")
    size = path.stat().st_size
    if size != entry.bytes:
        what = "truncated" if size < entry.bytes else "longer than stored"
        raise StoredRunError(f"{entry.describe()}: {path} is {what} ({size:,} of {entry.bytes:,} bytes); "
                             f"restore it (git checkout) or rebuild it with `{rebuild}`")
    if file_sha256(path) != entry.sha256:
        raise StoredRunError(f"{entry.describe()}: {path} does not match its sha256 in the registry (changed or "
                             f"damaged); restore it (git checkout) or rebuild it with `{rebuild}`")
    return path


def _download(entry: StoredRun) -> Path:
    """Fetch a URL entry with pooch into the cache, verified against its sha256 (a bad download is not kept)."""
    if not downloads_allowed():
        raise StoredRunError(f"{entry.describe()} is online only ({entry.url}); allow downloads with "
                             f"{DOWNLOADS_ENV}=1 (kept in {cache_dir()}, or ${CACHE_ENV})")
    import pooch
    name = f"{entry.chapter}-{entry.preset}-seed{entry.seed}-{entry.index:02d}-{entry.sha256[:12]}.pt"
    try:
        return Path(pooch.retrieve(entry.url, known_hash=f"sha256:{entry.sha256}", fname=name, path=cache_dir(),
                                   progressbar=False))
    except ValueError as err:  # pooch: the hash does not match; the download was not kept
        raise StoredRunError(f"{entry.describe()}: the download from {entry.url} does not match its sha256, so it "
                             f"was refused and not kept ({str(err).splitlines()[0]})") from err
    except Exception as err:  # no network, a 404 ...
        raise StoredRunError(f"{entry.describe()}: could not download {entry.url} "
                             f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''})") from err


def check_current(chapter: str, folder: Path | None = None) -> list[str]:
    """Why each stored run of `chapter` no longer matches the package (empty: all current). Used by the test
    that keeps shipped runs in step with the presets."""
    problems = []
    for e in read_registry(chapter, folder):
        rebuild = e.rebuild or f"make checkpoints CHAPTERS={chapter[:2]}"
        if e.preset_fingerprint != preset_fingerprint(chapter, e.preset):
            problems.append(f"{e.describe()}: the {e.preset!r} preset changed since it was stored; run `{rebuild}`")
            continue
        if e.classifiers != classifiers_fingerprint():
            problems.append(f"{e.describe()}: the classifiers (gan_course/weights/*.pt) changed since it was stored; "
                            f"run `{rebuild}`")
            continue
        try:
            locate(e, folder) if e.file else None
        except StoredRunError as err:
            problems.append(str(err))
    return problems


# --- Storing and loading a Run -------------------------------------------------------------------------
def _snapshot(x: torch.Tensor) -> torch.Tensor:
    """Image snapshots [N, C, H, W] in [-1, 1] as the 8-bit pixels they are shown as (a quarter of float32);
    other snapshots (chapter 01's 2-D points) as float16."""
    if x.dim() == 4 and x.is_floating_point():
        return ((x.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return _compact(x)


def _unsnapshot(x: torch.Tensor) -> torch.Tensor:
    """Back to floats; an 8-bit snapshot gives back exactly its pixels when shown (`viz.image_grid`)."""
    return x.float() / 127.5 - 1 if x.dtype == torch.uint8 else x.float()


def _compact_history(history: dict) -> dict:
    """Snapshots as `_snapshot`, per-step logs as float32 tensors (a list of Python floats pickles at ~9 bytes a
    number), steps as int32 and wall seconds as float32 (0.1 ms at an hour)."""
    history["snapshots"] = [[s, _snapshot(x.cpu())] for s, x in history["snapshots"]]
    history["steps"] = torch.as_tensor(history["steps"], dtype=torch.int32)
    history["seconds"] = torch.as_tensor(history["seconds"], dtype=torch.float32)
    history["logs"] = {k: torch.as_tensor(v, dtype=torch.float32) for k, v in history["logs"].items()}
    return history


def _compact(t: torch.Tensor) -> torch.Tensor:
    if t.dtype == torch.float32 and (not t.numel() or t.abs().max() <= torch.finfo(PRECISION).max):
        return t.to(PRECISION)
    return t


def _module_attributes(module: torch.nn.Module) -> dict[str, dict[str, Any]]:
    """Plain settings of every submodule (train/eval mode, ProGAN's fade-in alpha ...) that state_dict leaves out."""
    return {name: {k: v for k, v in vars(m).items() if not k.startswith("_") and type(v) in (bool, int, float, str)}
            for name, m in module.named_modules()}


def _restore_attributes(module: torch.nn.Module, attributes: dict[str, dict[str, Any]]) -> None:
    subs = dict(module.named_modules())
    for name, values in attributes.items():
        if name in subs:
            for k, v in values.items():
                setattr(subs[name], k, v)


def store(run, path: Path, keep: tuple[str, ...] | None = None) -> Path:
    """Write what a loaded run needs (not the optimisers: nothing continues a stored run's training)."""
    # G is kept when no G_ema stands in for it: a run is never stored without a generator
    names = [k for k in run.modules if keep is None or k in keep or (k == "G" and "G_ema" not in run.modules)]
    history = _compact_history(run.history.state_dict())
    return checkpoints.save(path, {
        "modules": {k: {n: _compact(t.cpu()) for n, t in run.modules[k].state_dict().items()} for k in names},
        "module_configs": {k: checkpoints.model_config(run.modules[k]) for k in names},
        "attributes": {k: _module_attributes(run.modules[k]) for k in names},
        "history": history, "step": run.step, "seconds": run.seconds, "state": dict(run.state),
        "batches": run.batches.state_dict(), "rng": torch.get_rng_state(),
    }, run.config, compress=True)


def _refuse_forward(module: torch.nn.Module, name: str) -> None:
    """A module the stored run ships without keeps its initial weights in the notebook's variable: using it
    would silently compute with an untrained network, so calling it raises instead."""
    def refuse(*_):
        raise RuntimeError(f"this {type(module).__name__} ({name}) was not trained here: its run was loaded from the "
                           f"course's stored runs, which ship without it (no later cell needs it); run the notebook "
                           f"with pretrained=False to train it")
    module.register_forward_pre_hook(refuse)


def load_into(run, path: Path, entry: StoredRun | None = None):
    """Fill a freshly built run (what training would have started from) with a stored one; returns it."""
    from .training.loop import History

    state = checkpoints.load(path, map_location="cpu")
    saved = {k: (copy.deepcopy(m.state_dict()), _module_attributes(m)) for k, m in run.modules.items()}
    try:  # all modules or none: a run half loaded would then train from a mixture
        for k, module in run.modules.items():
            if k in state["modules"]:
                checkpoints.load_state(module, state["modules"][k], what=f"stored run {path.name} ({k})",
                                       config=state["module_configs"].get(k))
                _restore_attributes(module, state["attributes"][k])
        history, step, seconds = state["history"], int(state["step"]), float(state["seconds"])
        extra, batches, rng = dict(state["state"]), dict(state["batches"]), state["rng"]
    except Exception:
        for k, module in run.modules.items():
            module.load_state_dict(saved[k][0])
            _restore_attributes(module, saved[k][1])
        raise
    for k in [k for k in run.modules if k not in state["modules"]]:
        _refuse_forward(run.modules.pop(k), k)  # not shipped (no later cell needs it): `run.D` then says so
        run.dropped.add(k)
    history["snapshots"] = [[s, _unsnapshot(x)] for s, x in history["snapshots"]]
    as_list = lambda v: v.tolist() if isinstance(v, torch.Tensor) else v  # noqa: E731 (runs stored as lists too)
    history["steps"], history["seconds"] = as_list(history["steps"]), as_list(history["seconds"])
    history["logs"] = {k: as_list(v) for k, v in history["logs"].items()}
    run.history = History.from_state_dict(history)
    run.step, run.seconds, run.state = step, seconds, extra
    run.batches.load_state_dict(batches)
    torch.set_rng_state(rng)
    run.stored = entry
    return run


def rewrite(entry: StoredRun, drop: tuple[str, ...] = (), folder: Path | None = None) -> StoredRun:
    """Store a recorded run again in the current format (per-step logs as tensors), without the modules in `drop`
    (G when G_ema stands in for it and no later cell uses G): what `make checkpoints` now writes for that call.
    Updates the file and its registry entry (sha256, bytes, modules); the fingerprints stay, as the run does."""
    folder = folder or root()
    path = locate(entry, folder)
    state = checkpoints.load(path)
    if "G" in drop and "G_ema" not in state["modules"]:
        raise ValueError(f"{entry.describe()}: G is its only generator (no G_ema): it cannot be dropped")
    for k in drop:
        for part in ("modules", "module_configs", "attributes"):
            state[part].pop(k, None)
    history = state["history"]
    history["snapshots"] = [[s, _unsnapshot(x)] for s, x in history["snapshots"]]
    state["history"] = _compact_history(history)
    config = state.pop("config")
    for key in ("format", "version"):
        state.pop(key)
    checkpoints.save(path, state, config, compress=True)
    new = dataclasses.replace(entry, sha256=file_sha256(path), bytes=path.stat().st_size,
                              modules={k: v for k, v in entry.modules.items() if k not in drop})
    others = [e for e in read_registry(entry.chapter, folder) if (e.preset, e.seed, e.index) !=
              (entry.preset, entry.seed, entry.index)]
    write_registry(entry.chapter, others + [new], folder)
    return new


def load_module(entry: StoredRun, name: str = "G_ema", folder: Path | None = None) -> torch.nn.Module:
    """One trained module of a stored run, built from the registry (class and config) without its notebook, e.g.
    the shipped StyleGAN's G_ema for a quick look: `load_module(read_registry("07_stylegan")[0])`. In eval mode."""
    from . import models

    if name not in entry.modules:
        raise ValueError(f"{entry.describe()} stores {', '.join(entry.modules)}, not {name!r}")
    cls_path, config = entry.modules[name]
    family = next((f for f, (_, G, D) in models.MODELS.items()
                   if cls_path in (f"{c.__module__}.{c.__qualname__}" for c in (G, D))), None)
    if family is None or config is None:
        raise ValueError(f"{entry.describe()}: {name} is a {cls_path}, which models.build cannot make from a config; "
                         f"load it through its chapter's notebook instead")
    G, D = models.build(family, **config)
    module = G if cls_path == f"{type(G).__module__}.{type(G).__qualname__}" else D
    state = checkpoints.load(locate(entry, folder))
    checkpoints.load_state(module, state["modules"][name], what=entry.describe(), config=state["module_configs"][name])
    _restore_attributes(module, state["attributes"][name])
    return module.eval()


# --- The shelf a notebook opens -------------------------------------------------------------------------
class Shelf:
    """A chapter's stored runs for one preset and seed, and the notebook's choice of what to do with them."""

    def __init__(self, chapter: str, preset: str, seed: int, mode: str | bool = "auto",
                 folder: str | Path | None = None, settings: Any = None, keep: tuple[str, ...] | None = None,
                 _parent: "Shelf | None" = None):
        from .presets import PRESETS, resolve_preset

        if mode not in MODES or isinstance(mode, int) and not isinstance(mode, bool):
            raise ValueError(f"pretrained must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
        if chapter not in PRESETS:
            raise ValueError(f"unknown chapter {chapter!r}; valid: {', '.join(PRESETS)}")
        self.chapter, self.preset, self.seed, self.mode = chapter, resolve_preset(preset), seed, mode
        self.folder = Path(folder) if folder is not None else root()
        self.keep = keep
        self._parent = _parent
        if _parent is None:
            from .presets import get_preset
            self.settings = settings if settings is not None else get_preset(chapter, self.preset)
            self.calls = 0
            self.loaded, self.trained = [], []
            self.problem = ""  # why the registry could not be read
            self.entries = []
            if mode is False:
                return  # nothing is loaded: not even a damaged registry stands in the way
            try:
                entries = read_registry(chapter, self.folder)
            except StoredRunError as err:
                if mode == "record":
                    raise
                entries, self.problem = [], str(err)
            if mode == "record":  # this preset and seed are recorded afresh (files are overwritten one by one)
                write_registry(chapter, [e for e in entries if (e.preset, e.seed) != (self.preset, seed)], self.folder)
            else:
                self.entries = [e for e in entries if e.preset == self.preset and e.seed == seed]

    namespace: dict | None = None  # the notebook's globals, where its current P lives (see open_shelf)

    def _main(self) -> "Shelf":
        return self._parent or self

    def current_settings(self) -> Any:
        """The notebook's preset object as it is now (its global P, when it is still a preset of the same kind)."""
        main = self._main()
        now = (main.namespace or {}).get("P")
        return now if type(now) is type(main.settings) else main.settings

    def without(self, *modules: str) -> "Shelf":
        """This shelf, storing a run without the named modules (a discriminator no later cell uses); loading such
        a run gives a Run without them (`run.D` then says so)."""
        return Shelf(self.chapter, self.preset, self.seed, self.mode, self.folder,
                     keep=tuple(m for m in ("G", "G_ema", "D", "model") if m not in modules), _parent=self._main())

    def _unavailable(self, entry: StoredRun) -> str:
        """Why the entry's file cannot be used (missing, damaged, online only ...); "" when it can."""
        try:
            locate(entry, self.folder)
            return ""
        except StoredRunError as err:
            return str(err)

    def _settings_problem(self, entry: StoredRun) -> str:
        """Why this notebook's settings P (or the classifiers) are not those the entry was recorded with; "" if same."""
        from .presets import get_preset

        main = self._main()
        settings = main.current_settings()
        if entry.classifiers and entry.classifiers != classifiers_fingerprint():
            return f"{entry.describe()} was recorded with other classifier weights (gan_course/weights/*.pt)"
        if settings_fingerprint(settings) == entry.preset_fingerprint:
            return ""
        shipped = get_preset(self.chapter, self.preset)
        if settings_fingerprint(shipped) != entry.preset_fingerprint:
            return f"the {self.preset!r} preset changed since {entry.describe()} was stored; rebuild with `{entry.rebuild}`"
        now, then = checkpoints.plain(settings), checkpoints.plain(shipped)
        changed = _differences(then, now)
        return f"this notebook's settings P differ from the recorded run's ({', '.join(changed[:4]) or 'P'})"

    def describe(self) -> str:
        main = self._main()
        where = f"{self.chapter} ({self.preset}, seed {self.seed})"
        if self.mode is False:
            return f"pretrained=False: every run of {where} trains here"
        if self.mode == "record":
            return f"pretrained='record': every run of {where} trains here and is stored in {self.folder / self.chapter}"
        if not main.entries:
            why = main.problem or "the course ships runs of the small preset, seed 0"
            return f"pretrained={self.mode!r}: no stored runs of {where}, so every run trains here ({why})"
        minutes = sum(e.seconds for e in main.entries) / 60
        return (f"pretrained={self.mode!r}: {len(main.entries)} stored runs of {where} ({minutes:.1f} min of training) "
                f"load instead of training where they match; pretrained=False trains them here")

    def budget(self, small, play=None, what: str = "the main run"):
        """The training config of a chapter's main run: `play` (a longer run, trained once by `make checkpoints`)
        when it is stored and will be loaded, else `small`; prints which, and what the other gives."""
        main = self._main()
        if play is None:
            return small
        entry = next((e for e in main.entries if e.config == checkpoints.plain(play)), None)
        # the play run can load only if nothing before it trained here and the settings are the recorded ones
        problem = ("no stored `play` run matches" if entry is None else self._settings_problem(entry) or
                   ("an earlier run of this notebook trained here, so the stored `play` run cannot match"
                    if main.trained else "") or self._unavailable(entry))
        use_play = self.mode in ("record", "fill") or (self.mode in ("auto", True) and not problem)
        if use_play:
            print(f"{what}: the `play` budget, {play.steps:,} steps (trained once by `make checkpoints`, "
                  f"{'recorded now' if self.mode == 'record' else 'loaded'}); pretrained=False trains the "
                  f"`{self.preset}` budget here: {small.steps:,} steps")
        else:
            why = "pretrained=False" if self.mode is False else problem
            print(f"{what}: the `{self.preset}` budget, {small.steps:,} steps ({why}); the shipped `play` run has "
                  f"{play.steps:,} steps")
        return play if use_play else small

    def fit(self, run, train: Callable[[], Any], x: torch.Tensor, y: torch.Tensor | None):
        """Train (`train()`), or load the stored run that matches this one exactly; `train_gan` and `train_model`
        call it in place of the loop."""
        main = self._main()
        index = main.calls
        main.calls += 1
        if self.mode is False:
            return train()
        parts = run_fingerprint(run, x, y)
        if self.mode == "record":
            run = train()
            entry = self._record(run, index, parts)
            return load_into(run, locate(entry, self.folder), entry)
        started = time.perf_counter()
        # only this call's own entry: two calls with the same start (a learner's edit) must not swap histories
        entry = next((e for e in main.entries if e.fingerprint == parts["run"] and e.index == index), None)
        reason = self._settings_problem(entry) if entry is not None else self._mismatch(index, parts, run.config)
        if entry is not None and not reason:
            try:
                load_into(run, locate(entry, self.folder), entry)
                main.loaded.append(entry)
                print(f"loaded {entry.describe()}: {entry.steps:,} steps, trained in {entry.seconds:.0f} s, "
                      f"loaded in {time.perf_counter() - started:.2f} s")
                return run
            except Exception as err:  # damaged, stale, of another architecture ...: say why in one line, then train
                reason = "; ".join(line.strip() for line in str(err).splitlines() if line.strip())
        if self.mode is True:
            raise StoredRunError(f"pretrained=True but {reason}")
        if reason:
            print(f"training here: {reason}")
        run = train()
        main.trained.append(index)
        if self.mode == "fill":  # record what was missing, and go on with it as "record" does
            entry = self._record(run, index, parts)
            return load_into(run, locate(entry, self.folder), entry)
        return run

    def _mismatch(self, index: int, parts: dict[str, str], config: Any) -> str:
        """One line: why no stored run matches the index-th training call ("" when the shelf holds none)."""
        main = self._main()
        if not main.entries:
            return ""
        same = next((e for e in main.entries if e.index == index), None)
        if same is None:
            return f"{self.chapter} stores no run for training call {index} ({self.preset}, seed {self.seed})"
        if same.config_fingerprint != parts["config"]:
            now = checkpoints.plain(config)
            changed = _differences(same.config, now)
            what = ", ".join(changed[:4]) or "a model's config"
            return f"{same.describe()} was trained with another config ({what})"
        return (f"{same.describe()} has this config but started from other weights, data or random state "
                f"(a cell before it changed, or the seed); rebuild with `{same.rebuild}` if the code changed")

    def _record(self, run, index: int, parts: dict[str, str]) -> StoredRun:
        main = self._main()
        folder = self.folder / self.chapter
        file = f"{self.preset}-seed{self.seed}-{index:02d}.pt"
        path = store(run, folder / file, self.keep)
        names = [k for k in ("G", "D", "model") if k in run.modules and (self.keep is None or k in self.keep)]
        entry = StoredRun(
            chapter=self.chapter, preset=self.preset, seed=self.seed, index=index,
            name=" vs ".join(f"{type(run.modules[k]).__module__.split('.')[-1]}.{type(run.modules[k]).__name__}"
                             for k in names) or "history only",
            fingerprint=parts["run"], config_fingerprint=parts["config"],
            preset_fingerprint=settings_fingerprint(main.current_settings()), classifiers=classifiers_fingerprint(),
            config=checkpoints.plain(run.config),
            modules={k: v for k, v in module_configs(run.modules).items() if self.keep is None or k in self.keep},
            sha256=file_sha256(path), bytes=path.stat().st_size, package_version=__version__,
            steps=run.step, seconds=round(run.seconds, 2), precision=str(PRECISION).replace("torch.", ""),
            file=file, rebuild=f"make checkpoints CHAPTERS={self.chapter[:2]}")
        main.entries = [e for e in main.entries if e.index != index] + [entry]
        others = [e for e in read_registry(self.chapter, self.folder) if (e.preset, e.seed, e.index) !=
                  (self.preset, self.seed, index)]
        write_registry(self.chapter, others + [entry], self.folder)
        print(f"recorded {entry.describe()}: trained in {entry.seconds:.0f} s, stored in {entry.bytes / 1e6:.2f} MB")
        return entry



def _differences(then: Any, now: Any, prefix: str = "") -> list[str]:
    """"key a -> b" for each (nested) setting that differs between two plain dicts."""
    if isinstance(then, dict) and isinstance(now, dict):
        return [d for k in sorted(set(then) | set(now)) for d in _differences(then.get(k), now.get(k), f"{prefix}{k}.")]
    return [] if then == now else [f"{prefix.rstrip('.')} {then!r} -> {now!r}"]


def open_shelf(chapter: str, preset: str, seed: int, pretrained: str | bool = "auto", settings: Any = None,
               folder: str | Path | None = None) -> Shelf:
    """The shelf a chapter notebook passes to its training calls; prints what it holds and what it will do.

    `settings`: the notebook's preset object P; a stored run loads only while P is as it was recorded (a learner
    who edits P.content_weight gets a run trained here with it)."""
    shelf = Shelf(chapter, preset, seed, pretrained, folder, settings)
    # The notebook may edit P or rebind it (P = dataclasses.replace(P, ...)) before a training call: each call
    # compares the P of the notebook's namespace at that moment.
    shelf.namespace = sys._getframe(1).f_globals if settings is not None else None
    print(shelf.describe())
    return shelf
