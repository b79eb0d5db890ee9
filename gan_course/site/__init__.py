"""The course website: `make site` (python -m gan_course.site) builds it into build/site/.

  build.py    execute the chapters in static mode (the course runner), write a Sphinx project, render it
  conf.py     the Sphinx + MyST-NB configuration (copied into the project)
  assets.py   MathJax and the widget JavaScript, fetched once with `npm pack` and bundled into the site
  offline.py  the check that no page loads anything from the network

Why MyST-NB with Sphinx: it renders executed notebooks with their saved widget state, and the two things
that must work offline are plain settings there: `mathjax_path` (Sphinx) and `nb_ipywidgets_js` (MyST-NB)
each take a local file. It is the engine under Jupyter Book 1, without Jupyter Book's extra layer.
"""
