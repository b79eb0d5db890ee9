"""Test-session settings, shared with the notebooks that nbval and papermill execute (their kernels
inherit this process's environment)."""
import os

from gan_course import runtime

os.environ.setdefault("GAN_COURSE_PROGRESS", "0")  # executed notebooks keep no half-finished progress bars
runtime.set_threads("auto")  # the course's thread choice for the unit tests too (see gan_course/runtime.py)
