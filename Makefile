# GAN Course — the two commands of the quickstart, plus the teacher's and maintainer's targets.
#   make lab                      set up .venv on first use, then open JupyterLab on notebooks/
#   make test                     set up .venv, then all unit tests + every notebook on the tiny preset (+ in a browser)
#   make browser                  only the widgets in a real JupyterLab in headless Chromium (tests/browser)
#   make course PRESET=small      execute every chapter into build/<preset>/ (ipynb + html) with a timing table
#   make student                  write the student edition (solutions stubbed) into build/student/
#   make nbgrader                 write an nbgrader course folder (build/nbgrader/, one assignment per chapter)
#   make colab                    (re)write every notebook's "Open in Colab" badge and install cell
#   make weights                  retrain the small classifiers whose features the metrics use
#   make seeds SEEDS="0 1 2"      every chapter on tiny with each seed (JOBS at a time): a pass/fail table
#   make gpu-check STEPS=30       on a CUDA machine: every tiny chapter on the GPU + every full preset's runs, time/step
#   make checkpoints CHAPTERS="05 07"  train and store every run of those chapters' small presets (MISSING=1: only missing ones)
#   make site PRESET=tiny         the course website in build/site/ (chapters executed on small unless PRESET says)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PRESET ?= auto
# Test processes: files are spread over JOBS workers (a notebook and its cells stay on one worker);
# `make seeds` runs JOBS notebooks at a time.
JOBS   ?= 2
SEEDS  ?= 0 1 2 3 4 5 6 7 8 9
STEPS  ?= 30
CHAPTERS ?=
export JUPYTER_PREFER_ENV_PATH := 1

.PHONY: help setup lab test unit notebooks browser course student nbgrader colab weights seeds gpu-check checkpoints site clean

help:
	@sed -n '2,13p' Makefile

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python >= 3.10 needed, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -e ".[dev]"
	$(PY) -m ipykernel install --user --name gan-course --display-name "Python (gan-course)"
	touch $(STAMP)

setup: $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

test: $(STAMP)
	GAN_COURSE_PRESET=tiny $(PY) -m pytest tests --nbval-lax --nbval-current-env notebooks -q -n $(JOBS) --dist loadfile

unit: $(STAMP)
	$(PY) -m pytest tests -q --ignore=tests/browser

notebooks: $(STAMP)
	GAN_COURSE_PRESET=tiny $(PY) -m pytest --nbval-lax --nbval-current-env notebooks -q

# Needs Debian's chromium and chromium-driver (skipped with a message without them); screenshots in build/browser/.
browser: $(STAMP)
	$(PY) -m pytest tests/browser -q

course: $(STAMP)
	$(PY) -m gan_course.course --preset $(PRESET)

student: $(STAMP)
	$(PY) -m gan_course.exercises.student notebooks build/student

# The answer key for nbgrader: source/<chapter>/ with nbgrader's cell metadata (TEACHERS.md: grading).
nbgrader: $(STAMP)
	$(PY) -m gan_course.exercises.grading notebooks build/nbgrader

# The repository the badges open is gan_course/colab.py's REPOSITORY: a fork changes it and runs this.
colab: $(STAMP)
	$(PY) -m gan_course.colab notebooks/[0-9][0-9]_*.ipynb

weights: $(STAMP)
	$(PY) -m gan_course.classifier digits
	$(PY) -m gan_course.classifier fashion-mnist
	$(PY) -m gan_course.classifier digits --seed 1
	$(PY) -m gan_course.classifier fashion-mnist --seed 1

seeds: $(STAMP)
	$(PY) -m gan_course.course --seeds $(SEEDS) --jobs $(JOBS)

# Fails with a clear message (exit 2) on a machine without CUDA.
gpu-check: $(STAMP)
	$(PY) -m gan_course.course --gpu-check --steps $(STEPS)

# Executes each chapter on small (CPU, seed 0, one thread each, JOBS at a time) with pretrained="record".
checkpoints: $(STAMP)
	$(PY) -m gan_course.course --checkpoints --jobs $(JOBS) $(if $(CHAPTERS),--only $(CHAPTERS)) $(if $(MISSING),--missing)

# Every chapter executed with its views pre-rendered (static mode), then rendered by Sphinx + MyST-NB; works
# opened from disk, offline (build/site/index.html). PRESET=auto (the default) means small here.
site: $(STAMP)
	$(PY) -m gan_course.site --preset $(if $(filter auto,$(PRESET)),small,$(PRESET))

clean:
	rm -rf build .pytest_cache
