"""Grader for the Deep Learning from Scratch / E資格 exercises and confirmation tests."""

__version__ = "0.1.0"


def __getattr__(name: str):
    """``from grader import check`` loads the notebook package only then (``import grader`` stays light)."""
    if name == "check":
        from grader.notebook import check

        return check
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
