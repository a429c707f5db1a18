"""Fixtures for the Python-front tests: packages are built here, in memory, as canaries."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

from fixtures_index import build_sdist

REPO = pathlib.Path(__file__).resolve().parents[2]
CORPUS = pathlib.Path(__import__("os").environ.get("SAFE_PIP_CORPUS", REPO.parent / "shared" / "corpus" / "malicious"))
SCHEMA = json.loads((REPO / "docs" / "scan-report.schema.json").read_text())

CANARY_SETUP = """
from setuptools import setup
from setuptools.command.install import install
import urllib.request

class PostInstall(install):
    def run(self):
        install.run(self)
        urllib.request.urlopen("http://127.0.0.1:9/canary")

setup(name="canary-pkg", version="1.0", cmdclass={"install": PostInstall})
"""

BENIGN_SETUP = """
from setuptools import setup
setup(name="tidy-numbers", version="1.0", packages=["tidy_numbers"])
"""


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    """Every test gets its own verdict DB, HOME and XDG folders: nothing reads or writes the
    user's DB or configuration (the CLI runs inherit this environment)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SAFE_PIP_DB", str(home / "verdicts.sqlite3"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    return home


@pytest.fixture
def canary(tmp_path: pathlib.Path) -> pathlib.Path:
    return build_sdist(tmp_path, "canary-pkg", "1.0", {"setup.py": CANARY_SETUP})


@pytest.fixture
def benign(tmp_path: pathlib.Path) -> pathlib.Path:
    return build_sdist(
        tmp_path, "tidy-numbers", "1.0", {"setup.py": BENIGN_SETUP, "tidy_numbers/__init__.py": "X = 1\n"}
    )


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    return subprocess.run(
        ["safe-pip", *args], capture_output=True, text=True, env={**__import__("os").environ, "NO_COLOR": "1"}
    )


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "safe_pip", *args], capture_output=True, text=True)


@pytest.fixture(autouse=True)
def isolated_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty org and user config files: the machine's real safe-pip settings never reach a test."""
    empty = tmp_path_factory.mktemp("config") / "empty.toml"
    empty.write_text("")
    monkeypatch.setenv("SAFE_PIP_ORG_CONFIG", str(empty))
    monkeypatch.setenv("SAFE_PIP_CONFIG", str(empty))
