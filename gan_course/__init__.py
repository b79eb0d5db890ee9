"""GAN Course: the tested implementations behind every chapter notebook.

Nothing happens at import time: no seeding, no device choice, no downloads. Notebooks import the
pieces they need (`from gan_course import data, losses, training`) and call them explicitly.
"""

__version__ = "0.1.0"


def require_version(wanted: str) -> None:
    """Fail loudly when a notebook meets a package of another major.minor version.

    Notebooks and package are developed together; a notebook run against an older install of
    the package would otherwise fail later with a confusing error (or, worse, silently differ).
    """
    have = ".".join(__version__.split(".")[:2])
    if have != wanted:
        raise RuntimeError(
            f"this notebook was written for gan_course {wanted}.x but gan_course {__version__} is "
            f"installed; from the course's root run `make lab` (or `pip install -e .`) to install "
            f"the package that ships with these notebooks"
        )
