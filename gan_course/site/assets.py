"""The website's JavaScript, bundled into the site so that it works from disk with no network.

Fetched once at build time with npm's own client (`npm pack`, from the npm registry) into a cache folder,
then copied into the Sphinx project's `_static/vendor/`: a page never asks a CDN for anything.

  mathjax            tex-svg-full.js: TeX to SVG with every extension and the glyphs inside the one file,
                     so no font file is fetched at view time (the CHTML output loads web fonts)
  html-manager       the ipywidgets embed bundle (`embed.js`: the core widgets, no require.js needed) and the
                     icon fonts it loads from beside itself
"""
from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

# npm package spec -> (folder under _static/vendor/, files to copy from the package, as globs)
PACKAGES = {
    "mathjax@3.2.2": ("mathjax", ["es5/tex-svg-full.js"]),
    # 1.0.x is the html-manager of ipywidgets 8 (widget state version 2); its fonts are FontAwesome's icons,
    # as woff2 (what browsers load) and woff (older ones); the eot, svg and ttf copies (2.5 MB) are left out
    "@jupyter-widgets/html-manager@1.0.15": ("html-manager", ["dist/embed.js", "dist/*.woff2", "dist/*.woff"]),
}
MATHJAX = "vendor/mathjax/tex-svg-full.js"        # paths inside _static, as conf.py names them
WIDGETS = "vendor/html-manager/embed.js"


def tarball_name(spec: str) -> str:
    """The file `npm pack` writes for a spec: "@scope/name@1.2.3" -> "scope-name-1.2.3.tgz"."""
    name, version = spec.rsplit("@", 1)
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def fetch(spec: str, cache: Path) -> Path:
    """The package's unpacked folder in `cache`, running `npm pack` the first time."""
    unpacked = cache / tarball_name(spec).removesuffix(".tgz")
    if (unpacked / "package" / "package.json").exists():
        return unpacked / "package"
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"the site bundles {spec} from the npm registry, and needs npm for it: install Node.js "
                           f"and npm (Debian: `apt-get install npm`), or put the unpacked package in {unpacked}/package")
    cache.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "pack", spec, "--pack-destination", str(cache)], capture_output=True, text=True)
    tarball = cache / tarball_name(spec)
    if done.returncode != 0 or not tarball.exists():
        raise RuntimeError(f"`npm pack {spec}` failed (exit {done.returncode}):\n{done.stderr.strip()[-2000:]}")
    with tarfile.open(tarball) as tar:
        # "data": no absolute paths or links out of the folder (the filter exists from Python 3.10.12 / 3.11.4)
        tar.extractall(unpacked, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    tarball.unlink()
    return unpacked / "package"


def bundle(static: Path, cache: Path) -> list[Path]:
    """Copy every package's files into static/vendor/<folder>/; returns the files copied."""
    copied = []
    for spec, (folder, patterns) in PACKAGES.items():
        package, target = fetch(spec, cache), static / "vendor" / folder
        target.mkdir(parents=True, exist_ok=True)
        for pattern in patterns:
            matches = sorted(package.glob(pattern))
            if not matches:
                raise RuntimeError(f"{spec} has no {pattern} (in {package}): has the package changed its layout?")
            for path in matches:
                shutil.copy2(path, target / path.name)
                copied.append(target / path.name)
    return copied
