"""Build the course website: execute the chapters in static mode, write a Sphinx project, render it.

    build/site_executed/<preset>/  the executed notebooks (kept: `--no-execute` renders them again)
    build/site_src/<preset>/       the Sphinx project, written afresh: copies of the chosen executed notebooks,
                                   index.md, conf.py, _static/
    build/site/                    the website (open build/site/index.html)
"""
from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

from .. import course
from ..widgets.static import CLASS, STATIC_ENV
from . import assets, offline

HERE = Path(__file__).resolve().parent
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
BADGE = re.compile(r"(\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)\s*)+")  # a paragraph of linked pictures: [![alt](img)](url)

INTRO = """\
An interactive course on generative adversarial networks, from the vanilla GAN to StyleGAN2, SRGAN and VQ-VAE.
Each chapter below is its notebook as executed on the `{preset}` preset{models}. The sliders of the interactive
views still move here: their pictures were rendered when the site was built, at a grid of values of each
view's main controls. To change anything else, run the notebook: from the "Open in Colab" badge at the top
of each chapter, or with `make lab` in the repository.
"""


def chapter_summary(nb) -> tuple[str, str]:
    """(title, what the chapter teaches): the first markdown cell's "# " heading and the text under it, up to
    a paragraph on run times (those are for running the notebook, not for reading it here), without a badge
    (the "Open in Colab" picture is the cell's attachment: the chapter's page shows it, the index cannot)."""
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first is None or not first.source.lstrip().startswith("# "):
        raise ValueError("a chapter notebook must open with a markdown cell whose first line is its '# ' title")
    title, _, body = first.source.lstrip()[2:].partition("\n")
    paragraphs = re.split(r"\n\s*\n", body.strip())
    kept = []
    for paragraph in paragraphs:
        if paragraph.startswith("Run times"):
            break
        if not BADGE.fullmatch(paragraph.strip()):
            kept.append(paragraph)
    return title.strip(), "\n\n".join(kept)


def models_note(executed: list[Path]) -> str:
    """How the chapters got their trained models, for the index: loaded from the runs that ship with the
    course (issue 23's shelf, `course.shelf_counts`) or trained while the site was built."""
    loaded, trained = map(sum, zip(*(course.shelf_counts(p) for p in executed))) if executed else (0, 0)
    if loaded and not trained:
        return ", with the trained models that ship with the course"
    if loaded:
        return f" ({loaded} training runs loaded from the models that ship with the course, {trained} trained for it)"
    return ""


def index_page(notebooks: list[Path], preset: str, models: str = "") -> str:
    """The site's index.md: what the course is, then each chapter's title (a link) and what it teaches."""
    import nbformat

    lines = ["# GAN Course", "", INTRO.format(preset=preset, models=models), "```{toctree}", ":hidden:",
             ":maxdepth: 1", "", *[p.stem for p in notebooks], "```", ""]
    for path in notebooks:
        title, summary = chapter_summary(nbformat.read(path, as_version=4))
        lines += [f"## [{title}]({path.name})", "", summary, ""]
    return "\n".join(lines)


def static_views(nb) -> list[tuple[str, int]]:
    """(title, frames) of every pre-rendered view in an executed notebook's saved widget state."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def images(model_id: str) -> int:  # the Image widgets under a Stack, nested Stacks included
        model = state.get(model_id.removeprefix("IPY_MODEL_"), {})
        if model.get("model_name") == "ImageModel":
            return 1
        children = model.get("state", {}).get("children", [])
        return sum(images(child) for child in children)

    shown = [output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]  # in the notebook's order
             for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]
    views = []
    for model in [state[i] for i in shown if i in state]:
        if model.get("model_name") == "VBoxModel" and CLASS in model["state"].get("_dom_classes", []):
            children = [state.get(c.removeprefix("IPY_MODEL_"), {}) for c in model["state"]["children"]]
            titles = [unescape(m.group(1)) for c in children if c.get("model_name") == "HTMLModel"
                      for m in [re.search(r"<b>(.*?)</b>", c["state"].get("value", ""))] if m]
            stacks = [c for c in model["state"]["children"] if state.get(c.removeprefix("IPY_MODEL_"), {})
                      .get("model_name") == "StackModel"]
            views.append((titles[0] if titles else "(untitled view)", sum(images(s) for s in stacks)))
    return views


def execute(todo: list[Path], src: Path, preset: str, device: str, seed: int) -> list[tuple[str, float, str]]:
    """Each chapter executed by the course runner, with the views in static mode ($GAN_COURSE_STATIC=1)."""
    with course.environment(**{STATIC_ENV: "1"}):  # inherited by every notebook's kernel
        return course.run_course(todo, src, preset, device, seed)


def attachments_to_files(nb, folder: Path, prefix: str):
    """Markdown cells' attachments (the Colab badge) written into `folder` and linked from there: MyST-NB does
    not read `attachment:` links. Returns the notebook, changed in place."""
    for k, cell in enumerate(nb.cells):
        for name, data in cell.pop("attachments", {}).items() if cell.cell_type == "markdown" else ():
            mime, encoded = next(iter(data.items()))
            path = folder / f"{prefix}-{k}-{name}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(encoded))  # nbformat keeps every attachment base64-encoded
            cell.source = cell.source.replace(f"attachment:{name}", f"{folder.name}/{path.name}")
    return nb


def sphinx_project(src: Path, notebooks: list[Path], preset: str, cache: Path, models: str = "") -> None:
    """A fresh Sphinx project in src: the executed notebooks, index.md, conf.py and _static/ (the course's
    CSS, the vendored JavaScript)."""
    import nbformat

    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    for notebook in notebooks:
        nb = attachments_to_files(nbformat.read(notebook, as_version=4), src / "_attachments", notebook.stem)
        nbformat.write(nb, src / notebook.name)
    (src / "index.md").write_text(index_page(notebooks, preset, models), encoding="utf-8")
    shutil.copy(HERE / "conf.py", src / "conf.py")
    shutil.copytree(HERE / "static", src / "_static")
    assets.bundle(src / "_static", cache)


def render(src: Path, out: Path) -> subprocess.CompletedProcess:
    """sphinx-build (html) from src into out, in its own process; a fresh build every time."""
    shutil.rmtree(out, ignore_errors=True)
    return subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", "-d", str(src / "_doctrees"),
                           str(src), str(out)], capture_output=True, text=True)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build(preset: str, chapters: list[Path], out: Path, work: Path, *, execute_notebooks: bool = True,
          device: str = "auto", seed: int = 0, assets_cache: Path | None = None) -> dict:
    """The whole build; returns a report (seconds per step, per-chapter status and static views, size,
    offline problems). Raises RuntimeError on a failed chapter, a failed Sphinx build, or a page that
    would load something from the network. The npm packages are kept in `assets_cache` (default
    work/site_assets/) for the next build."""
    import nbformat

    executed_dir, src = work / "site_executed" / preset, work / "site_src" / preset
    report = {"preset": preset, "seconds": {}}
    start = time.perf_counter()
    if execute_notebooks:
        rows = execute(chapters, executed_dir, preset, device, seed)
        report["chapters"] = rows
        failed = [name for name, _, status in rows if not status.startswith("ok")]  # "ok (3 runs loaded)" too
        if failed:
            raise RuntimeError(f"chapters failed: {', '.join(failed)} (the executed copies in {executed_dir}/ "
                               f"show the cell)")
    executed = [executed_dir / p.name for p in chapters]
    missing = [p.name for p in executed if not p.exists()]
    if missing:
        raise RuntimeError(f"no executed notebook for {', '.join(missing)} in {executed_dir}/: build without "
                           f"--no-execute")
    report["seconds"]["execute"] = time.perf_counter() - start

    start = time.perf_counter()
    sphinx_project(src, executed, preset, assets_cache or work / "site_assets", models_note(executed))
    report["seconds"]["assets"] = time.perf_counter() - start
    start = time.perf_counter()
    done = render(src, out)
    report["seconds"]["sphinx"] = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"sphinx-build failed (exit {done.returncode}):\n{(done.stdout + done.stderr)[-4000:]}")
    report["warnings"] = [line for line in done.stderr.splitlines() if "WARNING" in line]

    report["views"] = {p.stem: static_views(nbformat.read(p, as_version=4)) for p in executed}
    report["size_mb"] = folder_size(out) / 2**20
    report["problems"] = offline.external_references(out)
    if report["problems"]:
        raise RuntimeError("pages that would load from the network:\n" + "\n".join(report["problems"][:20]))
    (out / "build-report.json").write_text(json.dumps(report, indent=1, default=str))
    return report
