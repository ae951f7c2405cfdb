"""Moved to otklik.evaluation.training (evaluation and training share one package, so neither
imports the other across packages); this name stays until the analysis tests import it there."""

from .evaluation.training import *  # noqa: F401,F403
from .evaluation.training import OWN_FILES, SEED_FILE, load_own_rows, load_seed_rows  # noqa: F401
