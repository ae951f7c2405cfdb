"""otklik: evidence-grade import and analysis of public comment threads about a case."""

__version__ = "0.1.0"  # the one place the version is written (pyproject reads it)
