"""Does the built website load anything from the network? It must not: it is read from disk, offline.

`external_references(site)` lists every <script src>, <link href>, <img src>, <iframe src> and <source src>
of every page, and every CSS url()/@import, that points off the machine: http:, https: or protocol-relative
(//host/...). An empty list means the pages need nothing but their own folder.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

LOADING = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src"}  # tag -> attribute
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.IGNORECASE)


def is_external(url: str) -> bool:
    url = url.strip().lower()
    return url.startswith(("http://", "https://", "//"))


class _Loads(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attribute = LOADING.get(tag)
        value = dict(attrs).get(attribute) if attribute else None
        if value and is_external(value):
            self.found.append(f"<{tag} {attribute}={value!r}>")


def page_references(html: str) -> list[str]:
    """The external loads of one page's HTML, e.g. ["<script src='https://cdn.../x.js'>"]."""
    parser = _Loads()
    parser.feed(html)
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.DOTALL | re.IGNORECASE)
    return parser.found + [f"CSS {url}" for css in styles for url in CSS_URL.findall(css)]


def external_references(site: Path) -> list[str]:
    """'page: reference' for every external load in the site's HTML and CSS files."""
    if not site.is_dir():
        raise ValueError(f"site must be a built website's folder, got {site} (not a folder)")
    problems = []
    for path in sorted(site.rglob("*.html")):
        problems += [f"{path.relative_to(site)}: {ref}" for ref in page_references(path.read_text(encoding="utf-8"))]
    for path in sorted(site.rglob("*.css")):
        css = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8", errors="replace"), flags=re.DOTALL)
        problems += [f"{path.relative_to(site)}: CSS {url}" for url in CSS_URL.findall(css)]
    return problems
