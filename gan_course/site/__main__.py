"""python -m gan_course.site [--preset small] [--only 01 03] [--no-execute]: the course website in build/site/."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .. import course
from ..presets import resolve_preset
from .build import build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the course website (chapters executed with static views).")
    parser.add_argument("--preset", default="small", help="tiny, small or full (default small); auto is not "
                        "allowed: a website says which preset it shows")
    parser.add_argument("--only", nargs="*", default=None, help="chapter numbers to include, e.g. 01 03")
    parser.add_argument("--out", type=Path, default=course.ROOT / "build" / "site")
    parser.add_argument("--work", type=Path, default=course.ROOT / "build",
                        help="where the Sphinx project (site_src/<preset>/) and the npm cache (site_assets/) go")
    parser.add_argument("--notebooks", type=Path, default=course.ROOT / "notebooks")
    parser.add_argument("--no-execute", action="store_true",
                        help="render the notebooks executed by an earlier build (only the page layout changed)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.preset == "auto":
        parser.error("--preset must be tiny, small or full, got 'auto': the site names the preset it was built on")
    try:
        preset = resolve_preset(args.preset)
    except ValueError as err:
        parser.error(f"--preset: {err}")
    chapters = [p for p in course.chapters(args.notebooks) if not args.only or p.name[:2] in args.only]
    if not chapters:
        parser.error(f"no chapter notebooks in {args.notebooks}" + (f" numbered {' '.join(args.only)}" if args.only else ""))

    start = time.perf_counter()
    print(f"Building the site from {len(chapters)} chapters on preset {preset!r} into {args.out}/\n", flush=True)
    try:
        report = build(preset, chapters, args.out, args.work, execute_notebooks=not args.no_execute,
                       device=args.device, seed=args.seed)
    except RuntimeError as err:
        print(f"\nsite build failed: {err}", file=sys.stderr)
        return 1
    print("\n| chapter | static views (frames each) |\n|---|---|")
    for chapter, views in report["views"].items():
        print(f"| {chapter} | " + "; ".join(f"{title} ({frames})" for title, frames in views) + " |")
    steps = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in report["seconds"].items())
    print(f"\n{len(report['warnings'])} Sphinx warnings. Built in {time.perf_counter() - start:.0f} s ({steps}); "
          f"{report['size_mb']:.1f} MB in {args.out}/. Open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
