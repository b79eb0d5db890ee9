"""Sphinx configuration of the course website, copied into the generated project by `gan_course.site`.

MyST-NB renders the notebooks as they were executed (nothing is run here), with the widget state saved
in them, so that the pre-rendered views (`widgets/static.py`) switch frames in the browser. Every script
is a local file in _static/vendor/ (`assets.py`): the site works opened from disk, with no network.
"""
from gan_course.site.assets import MATHJAX, WIDGETS

project = "GAN Course"
author = "the GAN Course authors"
extensions = ["myst_nb"]
exclude_patterns = ["_build", "_doctrees"]

nb_execution_mode = "off"           # the notebooks arrive executed (gan_course.course, static mode)
nb_merge_streams = True             # one block of printed text per cell, not one per write
myst_enable_extensions = ["dollarmath", "amsmath"]  # $...$ and $$...$$ in the notebooks' markdown
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # chapters jump heading levels for emphasis; the pages render fine

# MathJax 3 with SVG output: one file holds TeX, every extension and the glyphs (no web fonts to fetch).
# Its configuration is a script (not a dict) because it also gives the widgets MathJax 2's API to call.
mathjax_path = MATHJAX
mathjax_config_path = "_static/mathjax_config.js"
# The widget manager: MyST-NB's default is require.js + embed-amd.js from CDNs. embed.js holds the core
# widgets and finds its icon fonts beside itself, with no module loader.
nb_ipywidgets_js = {WIDGETS: {}}

html_theme = "sphinx_book_theme"
html_title = "GAN Course"
html_static_path = ["_static"]
html_css_files = ["gan_course.css"]
html_copy_source = False            # the executed notebooks are large (pictures, widget state); the repo has them
html_show_sourcelink = False
html_context = {"default_mode": "light"}  # else the theme logs an error where a file:// page has no stored mode
html_theme_options = {
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
}
html_last_updated_fmt = None


def setup(app):
    # The theme draws Font Awesome icons by replacing each <i class="fa ..."> with an <svg>; ipywidgets' Play
    # button then finds no <i> to switch between play and pause, and throws. "nest" puts the svg inside the <i>.
    app.add_js_file(None, body='window.FontAwesomeConfig = {autoReplaceSvg: "nest"};', priority=1)
