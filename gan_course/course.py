"""Execute every chapter notebook with papermill, save executed copies and HTML, time each one.

    python -m gan_course.course --preset tiny          (what `make course PRESET=tiny` runs)
    python -m gan_course.course --preset tiny --device cuda   (every tiny chapter on the GPU)
    python -m gan_course.course --seeds 0 1 2 --jobs 2 (`make seeds`: every chapter on tiny per seed, a table)
    python -m gan_course.course --gpu-check --steps 30 (`make gpu-check`: tiny chapters on the GPU, then every
                                                        chapter's full-preset runs for 30 steps, time per step)
    python -m gan_course.course --busy-benchmark       (tiny chapters on an idle vs a busy CPU)
    python -m gan_course.course --checkpoints --only 05 07  (`make checkpoints`: record the small runs into the package)

This is the teacher's command: one run builds the whole course into `build/<preset>/` and prints
how long each chapter took, so run times for a class are known in advance. A chapter that fails
is reported (with the cell that failed in its executed copy) and the command exits non-zero.

The notebooks' kernels inherit this process's environment: $GAN_COURSE_PROGRESS=0 keeps progress
bars out of the executed copies (their HTML would show bars frozen mid-way), and $GAN_COURSE_THREADS,
when set, overrides the course's CPU-thread choice (`runtime.setup`).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .preset_runs import Arm, preset_arms  # noqa: F401 (Arm: part of course's interface)
from .presets import resolve_preset

ROOT = Path(__file__).resolve().parent.parent


def chapters(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def notebook_title(nb) -> str:
    """The first '# ' heading of the notebook's first markdown cell ("Chapter 01 — The vanilla GAN")."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "GAN Course"


@contextlib.contextmanager
def environment(**values: str):
    """Set environment variables for the duration of the block (kernels started inside inherit them)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_chapter(path: Path, out_dir: Path, preset: str, device: str = "auto", seed: int = 0,
                pretrained: str | bool = "auto") -> float:
    """Execute one notebook into out_dir (ipynb + html); returns its wall time in seconds."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / path.name
    start = time.perf_counter()
    with environment(GAN_COURSE_PROGRESS="0"):  # inherited by the kernel: no frozen bars in the copies
        papermill.execute_notebook(str(path), str(out), parameters={"preset": preset, "device": device, "seed": seed,
                                                                    "pretrained": pretrained},
                                   cwd=str(path.parent), progress_bar=False, kernel_name="python3")
    seconds = time.perf_counter() - start
    nb = nbformat.read(out, as_version=4)
    nb.metadata["title"] = notebook_title(nb)  # the HTML page's <title>; nbconvert's default is "Notebook"
    nbformat.write(nb, out)
    html, _ = HTMLExporter().from_notebook_node(nb)
    out.with_suffix(".html").write_text(html, encoding="utf-8")
    return seconds


def shelf_counts(executed: Path) -> tuple[int, int]:
    """(runs loaded from the shelf, runs trained) in an executed notebook, from the lines the shelf printed."""
    import nbformat

    text = "\n".join(str(o.get("text", "")) for c in nbformat.read(executed, as_version=4).cells
                     for o in c.get("outputs", []))
    loaded = len(re.findall(r"^loaded stored run", text, re.M))
    trained = len(re.findall(r"^(training here:|recorded stored run)", text, re.M))
    return loaded, trained


def run_course(todo: list[Path], out_dir: Path, preset: str, device: str = "auto", seed: int = 0,
               verbose: bool = True, pretrained: str | bool = "auto") -> list[tuple[str, float, str]]:
    """Run each notebook of `todo`; returns (name, seconds, status) rows (nan seconds on failure); the status
    says how many of the chapter's runs were loaded from the shelf."""
    rows = []
    for path in todo:
        try:
            seconds = run_chapter(path, out_dir, preset, device, seed, pretrained)
            loaded, trained = shelf_counts(out_dir / path.name)
            status = f"ok ({loaded} runs loaded)" if loaded else "ok"
        except Exception as err:  # keep going: the teacher wants the whole table
            seconds, status = float("nan"), f"FAILED: {type(err).__name__}"
            print(f"{path.name}: {err}"[:2000], file=sys.stderr)
        rows.append((path.stem, seconds, status))
        if verbose:
            print(f"  {path.stem:<28} {seconds:8.1f} s  {status}", flush=True)
    return rows


# --- make checkpoints: record every run of each chapter's small preset into the package --------------------
def _record_chapter(job: tuple) -> tuple[str, float, str]:
    path, out_dir, mode = job
    with environment(GAN_COURSE_THREADS="1"):  # one thread per chapter: two chapters share two cores
        try:
            return path.stem, run_chapter(path, out_dir, "small", "cpu", 0, mode), "ok"
        except Exception as err:
            print(f"{path.name}: {err}"[:2000], file=sys.stderr)
            return path.stem, float("nan"), f"FAILED: {type(err).__name__}"


def record_checkpoints(todo: list[Path], out_dir: Path, jobs: int = 2, missing: bool = False) -> int:
    """Execute each chapter on `small` (CPU, seed 0, one thread) with pretrained="record": every training run is
    trained through the shared loop and stored in gan_course/weights/runs/<chapter>/ with its registry entry.
    Prints a table (runs, megabytes, training seconds, notebook seconds) and writes it to out_dir/summary.json."""
    from concurrent.futures import ProcessPoolExecutor

    from . import stored_runs

    os.environ.pop("GAN_COURSE_PRESET", None)  # the notebooks' preset comes from the injected parameter
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"Recording {len(todo)} chapters on small (cpu, seed 0), {jobs} at a time, into "
          f"{stored_runs.root()}/ (executed copies in {out_dir}/)\n", flush=True)
    start = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        mode = "fill" if missing else "record"  # fill: runs stored and current load, only the others train
        results = list(pool.map(_record_chapter, [(p, out_dir, mode) for p in todo]))
    wall = time.perf_counter() - start
    rows = []
    for name, seconds, status in results:
        entries = [e for e in stored_runs.read_registry(name) if e.preset == "small" and e.seed == 0]
        if status == "ok":  # files of runs the notebook no longer makes (it has fewer training calls now)
            kept = {e.file for e in stored_runs.read_registry(name)}
            for orphan in set((stored_runs.root() / name).glob("*.pt")) - {stored_runs.root() / name / f for f in kept}:
                orphan.unlink()
        rows.append({"chapter": name, "runs": len(entries), "megabytes": sum(e.bytes for e in entries) / 1e6,
                     "training_seconds": sum(e.seconds for e in entries), "notebook_seconds": seconds,
                     "status": status})
    print("| chapter | runs | MB | training s | notebook s | status |\n|---|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['chapter']} | {r['runs']} | {r['megabytes']:.2f} | {r['training_seconds']:.0f} | "
              f"{r['notebook_seconds']:.0f} | {r['status']} |")
    total = sum(e.bytes for ch in (p.stem for p in chapters(ROOT / "notebooks")) for e in stored_runs.read_registry(ch))
    print(f"\nall stored runs of the course: {total / 1e6:.2f} MB; this command: {wall:.0f} s wall")
    (out_dir / "summary.json").write_text(json.dumps({"rows": rows, "wall_seconds": wall, "total_bytes": total,
                                                      "load_average": os.getloadavg()}, indent=1))
    return 1 if any(r["status"] != "ok" for r in rows) else 0


# --- How much a busy CPU slows the course down, with and without the course's thread choice ----------
BUSY_LOOP = "while True: pass"  # one core's worth of someone else's work


@contextlib.contextmanager
def busy_cpu(processes: int):
    """Keep `processes` CPU-bound Python loops running for the duration of the block."""
    procs = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(processes)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def busy_benchmark(todo: list[Path], out_dir: Path, load: int = 1, device: str = "cpu") -> list[dict]:
    """Tiny chapters with torch's default threads ("before") and the course's choice ("after"),
    each on an idle CPU and next to `load` busy processes. Returns one dict per run."""
    import torch

    from .runtime import THREADS_ENV, default_threads

    settings = {"torch default": torch.get_num_threads(), "course default": default_threads()}
    results = []
    for label, threads in settings.items():
        for busy in (0, load):
            print(f"\n{label} ({threads} thread{'s' * (threads > 1)}), {busy} busy process(es):", flush=True)
            with environment(**{THREADS_ENV: str(threads)}), busy_cpu(busy):  # runtime.setup reads it in each kernel
                rows = run_course(todo, out_dir / f"threads{threads}-busy{busy}", "tiny", device)
            results += [{"chapter": name, "threads": threads, "setting": label, "busy": busy,
                         "seconds": seconds, "status": status} for name, seconds, status in rows]
    return results


def busy_table(results: list[dict]) -> str:
    """A Markdown table: one row per chapter, one column per (thread setting, idle/busy)."""
    columns = list(dict.fromkeys((r["setting"], r["threads"], r["busy"]) for r in results))
    head = "| chapter | " + " | ".join(f"{s} ({t} thr.), {'busy' if b else 'idle'}" for s, t, b in columns) + " |"
    lines = [head, "|---|" + "---:|" * len(columns)]
    for chapter in dict.fromkeys(r["chapter"] for r in results):
        cells = [next(f"{r['seconds']:.1f}" for r in results
                      if r["chapter"] == chapter and (r["setting"], r["threads"], r["busy"]) == c) for c in columns]
        lines.append(f"| {chapter} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --- make seeds: every chapter on tiny with each seed ----------------------------------------------------------------
def run_notebook(path: Path, out: Path, preset: str, device: str, seed: int) -> tuple[float, str]:
    """Execute one notebook with papermill (parameters injected); returns (seconds, "ok" or what failed)."""
    import papermill

    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        with environment(GAN_COURSE_PROGRESS="0"):
            papermill.execute_notebook(str(path), str(out), parameters={"preset": preset, "device": device, "seed": seed},
                                       cwd=str(path.parent), progress_bar=False, kernel_name="python3")
        status = "ok"
    except Exception as err:  # the table shows every failure; the executed copy shows the cell
        ename, evalue = getattr(err, "ename", type(err).__name__), getattr(err, "evalue", str(err))
        status = f"FAIL {ename}: {str(evalue).strip().splitlines()[0][:160] if str(evalue).strip() else ''}"
    return time.perf_counter() - start, status


def _run_notebook_job(job: tuple) -> tuple:
    path, out, preset, device, seed = job
    return (path.stem, seed, *run_notebook(path, out, preset, device, seed))


def run_seeds(todo: list[Path], seeds: list[int], out_dir: Path, jobs: int = 2, device: str = "cpu",
              preset: str = "tiny") -> dict[tuple[str, int], tuple[float, str]]:
    """Every notebook of `todo` with every seed, `jobs` at a time (each in its own process and kernel)."""
    from concurrent.futures import ProcessPoolExecutor

    work = [(path, out_dir / f"seed{seed}" / path.name, preset, device, seed) for seed in seeds for path in todo]
    results = {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for name, seed, seconds, status in pool.map(_run_notebook_job, work):
            results[name, seed] = (seconds, status)
            print(f"  {name:<24} seed {seed:<4} {seconds:7.1f} s  {status}", flush=True)
    return results


def seeds_table(results: dict[tuple[str, int], tuple[float, str]], names: list[str], seeds: list[int]) -> str:
    """A Markdown table: one row per notebook, one column per seed, "ok" or "FAIL"; failures listed below it."""
    lines = ["| notebook | " + " | ".join(f"seed {s}" for s in seeds) + " |", "|---|" + "---|" * len(seeds)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join("ok" if results[name, s][1] == "ok" else "FAIL" for s in seeds) + " |")
    failures = [f"- {name}, seed {s}: {results[name, s][1]}" for name in names for s in seeds
                if results[name, s][1] != "ok"]
    return "\n".join(lines + (["", "Failures (executed copies in the output folder):", *failures] if failures else []))


# --- make gpu-check: the tiny chapters on the GPU, then every full preset's runs for a few steps ---------------------------
def check_device(device: str) -> str | None:
    """None when `device` can be used here, else a one-line reason (no traceback for a missing GPU)."""
    from .runtime import get_device

    try:
        get_device(device)
    except (RuntimeError, ValueError) as err:
        return str(err)
    return None


def time_full_presets(steps: int, device: str, chapters_: list[str] | None = None) -> list[dict]:
    """Every training run of every chapter's full preset, `steps` steps at the preset's batch size through the
    shared loop (`preset_arms`); the time per step leaves out the first step (cuDNN's autotuning, allocations)."""
    from .presets import PRESETS

    rows, seen = [], {}
    for chapter in chapters_ or list(PRESETS):
        for arm in preset_arms(chapter, "full"):
            row = {"chapter": chapter, "run": arm.name}
            if arm.key and arm.key in seen:
                rows.append({**row, "status": f"same as {seen[arm.key]}", "batch": "", "s_per_step": float("nan")})
                continue
            try:
                run = arm.train(steps, None, device)
                t = run.history.seconds
                per_step = (t[-1] - t[0]) / (len(t) - 1) if len(t) > 1 else t[-1]
                row.update(status="ok", batch=run.config.batch_size, s_per_step=per_step)
            except Exception as err:  # keep going: the table shows every run
                row.update(status=f"FAIL {type(err).__name__}: {str(err).splitlines()[0][:160] if str(err) else ''}",
                           batch="", s_per_step=float("nan"))
            if arm.key:
                seen.setdefault(arm.key, f"{chapter}/{arm.name}")
            rows.append(row)
            print(f"  {chapter:<20} {arm.name:<44} {row['s_per_step'] * 1000:9.1f} ms/step  {row['status']}", flush=True)
    return rows


def gpu_check(todo: list[Path], out_dir: Path, steps: int, device: str = "cuda") -> int:
    """`make gpu-check`: every tiny notebook on the GPU, then every full preset's runs for `steps` steps."""
    import torch

    if not device.startswith("cuda") or not torch.cuda.is_available():
        print(f"gpu-check needs a CUDA GPU, and this PyTorch sees none (torch {torch.__version__}, CUDA build: "
              f"{torch.version.cuda or 'no'}). Run it on a machine with an NVIDIA GPU; here, `make test` and "
              f"`make seeds` check the CPU.", file=sys.stderr)
        return 2
    print(f"GPU: {torch.cuda.get_device_name()} | torch {torch.__version__}\n")
    print(f"1) every tiny chapter on {device} (papermill injects device={device!r}) into {out_dir}/tiny/")
    rows = run_course(todo, out_dir / "tiny", "tiny", device)
    print(f"\n2) every chapter's full-preset runs, {steps} steps each at the preset's batch size, on {device}")
    timed = time_full_presets(steps, device, [p.stem for p in todo])
    print("\n| chapter | run | batch | ms per step | status |\n|---|---|---:|---:|---|")
    for r in timed:
        ms = "" if r["s_per_step"] != r["s_per_step"] else f"{r['s_per_step'] * 1000:.1f}"
        print(f"| {r['chapter']} | {r['run']} | {r['batch']} | {ms} | {r['status']} |")
    (out_dir / "full_steps.json").write_text(json.dumps(timed, indent=1))
    failed = [name for name, _, status in rows if not status.startswith("ok")] + [
        f"{r['chapter']}/{r['run']}" for r in timed if r["status"].startswith("FAIL")]
    print(f"\n{'all passed' if not failed else 'FAILED: ' + ', '.join(failed)}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="auto", help="tiny, small, full, or auto (chosen by hardware)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--out", type=Path, default=ROOT / "build")
    parser.add_argument("--only", nargs="*", default=None, help="chapter numbers to run, e.g. 01 03")
    parser.add_argument("--busy-benchmark", action="store_true",
                        help="time the tiny chapters idle vs next to --load busy processes, with torch's default "
                             "threads and with the course's choice; writes build/busy/results.json")
    parser.add_argument("--load", type=int, default=1, help="busy processes for --busy-benchmark (default 1)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None,
                        help="run every chapter on tiny with each of these seeds and print a pass/fail table "
                             "(`make seeds SEEDS=\"0 1 2\"`); executed copies in build/seeds/")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at the same time with --seeds (default 2)")
    parser.add_argument("--gpu-check", action="store_true",
                        help="every tiny chapter on the GPU, then every chapter's full-preset runs for --steps "
                             "steps with the time per step (`make gpu-check`); needs CUDA")
    parser.add_argument("--steps", type=int, default=30, help="steps of each full-preset run for --gpu-check (30)")
    parser.add_argument("--checkpoints", action="store_true",
                        help="record every run of each chapter's small preset into the package (`make checkpoints "
                             "CHAPTERS=\"05 07\"`), --jobs chapters at a time")
    parser.add_argument("--missing", action="store_true",
                        help="with --checkpoints: train and store only the runs that are missing or stale")
    parser.add_argument("--pretrained", default="auto", choices=["auto", "False"],
                        help="the notebooks' pretrained parameter: auto (load stored runs that match) or False")
    args = parser.parse_args(argv)
    for name in ("jobs", "steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be an int >= 1, got {getattr(args, name)}")

    todo = [p for p in chapters(args.notebooks) if not args.only or p.name[:2] in args.only]
    if not todo:
        print(f"no chapter notebooks found in {args.notebooks}", file=sys.stderr)
        return 2
    if args.checkpoints:
        return record_checkpoints(todo, args.out / "checkpoints", args.jobs, args.missing)
    if args.gpu_check:
        return gpu_check(todo, args.out / "gpu-check", args.steps, "cuda" if args.device == "auto" else args.device)
    problem = check_device(args.device)
    if problem is not None:  # e.g. --device cuda on a machine without a GPU: say so before starting any notebook
        print(f"error: --device {args.device}: {problem}", file=sys.stderr)
        return 2
    if args.seeds is not None:
        preset = "tiny" if args.preset == "auto" else resolve_preset(args.preset)
        print(f"Running {len(todo)} chapters x {len(args.seeds)} seeds on preset={preset!r}, device={args.device!r}, "
              f"{args.jobs} at a time, into {args.out / 'seeds'}/\n")
        results = run_seeds(todo, args.seeds, args.out / "seeds", args.jobs, args.device, preset)
        print("\n" + seeds_table(results, [p.stem for p in todo], args.seeds))
        return 1 if any(status != "ok" for _, status in results.values()) else 0
    if args.busy_benchmark:
        results = busy_benchmark(todo, args.out / "busy", args.load, "cpu")
        (args.out / "busy" / "results.json").write_text(json.dumps(results, indent=1))
        print("\n" + busy_table(results))
        return 1 if any(r["status"] != "ok" for r in results) else 0

    preset = resolve_preset(args.preset)
    out_dir = args.out / preset
    print(f"Running {len(todo)} chapters with preset={preset!r}, device={args.device!r} into {out_dir}/\n")
    pretrained = False if args.pretrained == "False" else args.pretrained
    rows = run_course(todo, out_dir, preset, args.device, args.seed, pretrained=pretrained)
    total = sum(s for _, s, _ in rows if s == s)
    print(f"\n| chapter | seconds | status |\n|---|---:|---|")
    for name, seconds, status in rows:
        print(f"| {name} | {seconds:.1f} | {status} |")
    print(f"| **total** | {total:.1f} | |")
    print(f"\nExecuted notebooks and HTML: {out_dir}/")
    return 1 if any(not status.startswith("ok") for _, _, status in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
