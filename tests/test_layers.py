"""The ladder stays one-way: interfaces (cli, web) call services, services the store, the store
the model. The layers are declared in pyproject.toml ([tool.importlinter]); import-linter is a
dev dependency, so a CI run without it fails instead of passing unchecked."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO


def test_imports_follow_the_layers_of_pyproject():
    try:
        import importlinter  # noqa: F401
    except ImportError:
        msg = "import-linter is missing: pip install -e '.[dev]'"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    run = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    res = subprocess.run([sys.executable, "-c", run], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "1 kept, 0 broken" in res.stdout
