"""The composite GitHub Action (action.yml) and the pre-commit hook (.pre-commit-hooks.yaml),
run by scripts/action_local.py against two commits of a fixture repository it makes: the
Action's steps as GitHub runs them, the hook through `pre-commit try-repo` (pre-commit from
PyPI, a test extra)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import REPO


def test_action_and_hook_metadata_are_well_formed() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert all("shell" in s for s in action["runs"]["steps"] if "run" in s), "composite run steps need a shell"
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["safe-pip-check"]["entry"] == "safe-pip check"
    assert hooks["safe-pip-check-system"]["language"] == "system"


@pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit is a test extra: pip install '.[test]'")
def test_the_action_and_the_hook_run_locally_on_a_fixture_repository() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "action_local.py")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all expectations held" in proc.stdout
    assert "FAIL" not in proc.stdout
