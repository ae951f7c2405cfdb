"""The web workspace for editors (`otklik serve`): a thin layer over the same service functions as the CLI."""

from .app import create_app

__all__ = ["create_app"]
