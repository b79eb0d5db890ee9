"""Execute every chapter notebook with papermill, save executed copies and HTML, time each one.

    python -m gan_course.course --preset tiny          (what `make course PRESET=tiny` runs)
    python -m gan_course.course --busy-benchmark       (tiny chapters on an idle vs a busy CPU)

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
import subprocess
import sys
import time
from pathlib import Path

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


def run_chapter(path: Path, out_dir: Path, preset: str, device: str = "auto", seed: int = 0) -> float:
    """Execute one notebook into out_dir (ipynb + html); returns its wall time in seconds."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / path.name
    start = time.perf_counter()
    with environment(GAN_COURSE_PROGRESS="0"):  # inherited by the kernel: no frozen bars in the copies
        papermill.execute_notebook(str(path), str(out), parameters={"preset": preset, "device": device, "seed": seed},
                                   cwd=str(path.parent), progress_bar=False, kernel_name="python3")
    seconds = time.perf_counter() - start
    nb = nbformat.read(out, as_version=4)
    nb.metadata["title"] = notebook_title(nb)  # the HTML page's <title>; nbconvert's default is "Notebook"
    nbformat.write(nb, out)
    html, _ = HTMLExporter().from_notebook_node(nb)
    out.with_suffix(".html").write_text(html, encoding="utf-8")
    return seconds


def run_course(todo: list[Path], out_dir: Path, preset: str, device: str = "auto", seed: int = 0,
               verbose: bool = True) -> list[tuple[str, float, str]]:
    """Run each notebook of `todo`; returns (name, seconds, status) rows (nan seconds on failure)."""
    rows = []
    for path in todo:
        try:
            seconds = run_chapter(path, out_dir, preset, device, seed)
            status = "ok"
        except Exception as err:  # keep going: the teacher wants the whole table
            seconds, status = float("nan"), f"FAILED: {type(err).__name__}"
            print(f"{path.name}: {err}"[:2000], file=sys.stderr)
        rows.append((path.stem, seconds, status))
        if verbose:
            print(f"  {path.stem:<28} {seconds:8.1f} s  {status}", flush=True)
    return rows


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
    args = parser.parse_args(argv)

    todo = [p for p in chapters(args.notebooks) if not args.only or p.name[:2] in args.only]
    if not todo:
        print(f"no chapter notebooks found in {args.notebooks}", file=sys.stderr)
        return 2
    if args.busy_benchmark:
        results = busy_benchmark(todo, args.out / "busy", args.load, "cpu")
        (args.out / "busy" / "results.json").write_text(json.dumps(results, indent=1))
        print("\n" + busy_table(results))
        return 1 if any(r["status"] != "ok" for r in results) else 0

    preset = resolve_preset(args.preset)
    out_dir = args.out / preset
    print(f"Running {len(todo)} chapters with preset={preset!r}, device={args.device!r} into {out_dir}/\n")
    rows = run_course(todo, out_dir, preset, args.device, args.seed)
    total = sum(s for _, s, _ in rows if s == s)
    print(f"\n| chapter | seconds | status |\n|---|---:|---|")
    for name, seconds, status in rows:
        print(f"| {name} | {seconds:.1f} | {status} |")
    print(f"| **total** | {total:.1f} | |")
    print(f"\nExecuted notebooks and HTML: {out_dir}/")
    return 1 if any(status != "ok" for _, _, status in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
