"""Execute every chapter notebook with papermill, save executed copies and HTML, time each one.

    python -m gan_course.course --preset tiny          (what `make course PRESET=tiny` runs)

This is the teacher's command: one run builds the whole course into `build/<preset>/` and prints
how long each chapter took, so run times for a class are known in advance. A chapter that fails
is reported (with the cell that failed in its executed copy) and the command exits non-zero.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .presets import resolve_preset

ROOT = Path(__file__).resolve().parent.parent


def chapters(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def run_chapter(path: Path, out_dir: Path, preset: str, device: str = "auto", seed: int = 0) -> float:
    """Execute one notebook into out_dir (ipynb + html); returns its wall time in seconds."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    out = out_dir / path.name
    start = time.perf_counter()
    papermill.execute_notebook(str(path), str(out), parameters={"preset": preset, "device": device, "seed": seed},
                               cwd=str(path.parent), progress_bar=False, kernel_name="python3")
    seconds = time.perf_counter() - start
    html, _ = HTMLExporter().from_notebook_node(nbformat.read(out, as_version=4))
    out.with_suffix(".html").write_text(html, encoding="utf-8")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="auto", help="tiny, small, full, or auto (chosen by hardware)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--out", type=Path, default=ROOT / "build")
    parser.add_argument("--only", nargs="*", default=None, help="chapter numbers to run, e.g. 01 03")
    args = parser.parse_args(argv)

    preset = resolve_preset(args.preset)
    todo = [p for p in chapters(args.notebooks) if not args.only or p.name[:2] in args.only]
    if not todo:
        print(f"no chapter notebooks found in {args.notebooks}", file=sys.stderr)
        return 2
    out_dir = args.out / preset
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"Running {len(todo)} chapters with preset={preset!r}, device={args.device!r} into {out_dir}/\n")
    rows, failed = [], False
    for path in todo:
        try:
            seconds = run_chapter(path, out_dir, preset, args.device, args.seed)
            status = "ok"
        except Exception as err:  # keep going: the teacher wants the whole table
            seconds, status, failed = float("nan"), f"FAILED: {type(err).__name__}", True
            print(f"{path.name}: {err}"[:2000], file=sys.stderr)
        rows.append((path.stem, seconds, status))
        print(f"  {path.stem:<28} {seconds:8.1f} s  {status}", flush=True)
    total = sum(s for _, s, _ in rows if s == s)
    print(f"\n| chapter | seconds | status |\n|---|---:|---|")
    for name, seconds, status in rows:
        print(f"| {name} | {seconds:.1f} | {status} |")
    print(f"| **total** | {total:.1f} | |")
    print(f"\nExecuted notebooks and HTML: {out_dir}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
