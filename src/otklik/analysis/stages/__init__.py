"""The analysis stages, registered by name (`base.stage`): per comment in `comment.py`, per case
in `case.py` and `themes.py`. A new stage is a class in a module imported here."""

from . import case, comment, themes  # noqa: F401 (each registers its stages)
from .base import STAGES, CaseStage, CommentStage, CommentView, Context, Stage, input_hash, mask, stage

__all__ = ["STAGES", "CaseStage", "CommentStage", "CommentView", "Context", "Stage", "input_hash", "mask", "stage"]
