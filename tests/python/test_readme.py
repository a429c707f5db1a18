"""The README's install and quick-start blocks, run as written on fresh environments, so
the README cannot drift from the truth.

Blocks marked `<!-- readme-test: NAME -->` in README.md are run with bash from the clone's
root. The only traffic that leaves 127.0.0.1 is what the README itself needs from PyPI
for tools (maturin to build the wheel, Poetry for the plugin); the packages the README
installs *through* safe-pip come from a fixture index on 127.0.0.1.

The wheel block writes `dist/installwarden-*.whl` in the clone (older ones are removed
first so the README's globs match one file). The abi3 wheel is then installed and used
under CPython 3.9 and 3.13 (pyenv's, when present).
"""

from __future__ import annotations

import os
import pathlib
import pwd
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
from fixtures_index import IndexServer, build_wheel, isolated_env, make_venv, run, venv_python

REPO = pathlib.Path(__file__).resolve().parents[2]
README = REPO / "README.md"
# Read once at import, before any fixture points HOME at a scratch folder.
_REAL_HOME = pathlib.Path(pwd.getpwuid(os.getuid()).pw_dir) if hasattr(os, "getuid") else pathlib.Path.home()
RUSTUP_HOME = os.environ.get("RUSTUP_HOME", str(_REAL_HOME / ".rustup"))
CARGO_HOME = os.environ.get("CARGO_HOME", str(_REAL_HOME / ".cargo"))
PYENV = pathlib.Path(os.environ.get("PYENV_ROOT", _REAL_HOME / ".pyenv")) / "versions"


def readme_block(tag: str) -> str:
    """The shell block that follows `<!-- readme-test: TAG -->` in README.md."""
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- readme-test: {re.escape(tag)} -->\s*```sh\n(.*?)```", text, re.S)
    assert found, f"README.md has no block marked readme-test: {tag}"
    return found.group(1)


def run_block(tag: str, env: dict[str, str], timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    code = readme_block(tag)
    return subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def _on_path(env: dict[str, str], *dirs: pathlib.Path) -> dict[str, str]:
    """`env` with `dirs` and this Python's scripts first on PATH, and the real Rust
    toolchain (the build of `.` needs it; HOME is a scratch folder)."""
    env = dict(env)
    env["RUSTUP_HOME"], env["CARGO_HOME"] = RUSTUP_HOME, CARGO_HOME
    cargo_bin = pathlib.Path(env["CARGO_HOME"]) / "bin"
    dirs = (*dirs, cargo_bin)
    env["PATH"] = os.pathsep.join([*(str(d) for d in dirs), str(pathlib.Path(sys.executable).parent), env.get("PATH", "")])
    return env


@pytest.fixture(scope="session")
def readme_wheel(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The README's wheel block, run as written (maturin from PyPI for the isolated build)."""
    for old in (REPO / "dist").glob("installwarden-*.whl"):
        old.unlink()
    home = tmp_path_factory.mktemp("wheel-home")
    env = isolated_env(home)
    env.pop("PIP_CONFIG_FILE")  # pip's own index (PyPI) provides maturin for the build
    env = _on_path(env)
    done = run_block("wheel", env, timeout=3600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    wheels = list((REPO / "dist").glob("installwarden-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_is_abi3_for_cpython_3_9_and_later(readme_wheel: pathlib.Path) -> None:
    assert re.search(r"-cp39-abi3-[^-]+\.whl$", readme_wheel.name), readme_wheel.name
    with zipfile.ZipFile(readme_wheel) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert any(re.fullmatch(r"safe_pip/_core\.abi3\.so", n) for n in names), names
    assert "Name: installwarden" in metadata and "Requires-Python: >=3.9" in metadata


CANARY = "import base64\nexec(base64.b64decode('aW1wb3J0IG9zOyBvcGVuKCdNQVJLRVInLCAndycpLndyaXRlKCd4Jyk='))\n"


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_the_abi3_wheel_runs_under_python(version: str, readme_wheel: pathlib.Path, tmp_path: pathlib.Path) -> None:
    pythons = sorted(PYENV.glob(f"{version}.*/bin/python{version}"))
    if not pythons:
        pytest.skip(f"no CPython {version} under {PYENV}")
    subprocess.run([str(pythons[-1]), "-m", "venv", str(tmp_path / "venv")], check=True, capture_output=True)
    python = venv_python(tmp_path / "venv")
    env = isolated_env(tmp_path / "home", PIP_NO_INDEX="1")
    done = run([str(python), "-m", "pip", "install", str(readme_wheel)], env)
    assert done.returncode == 0, done.stderr
    (tmp_path / "pkgs").mkdir()
    build_wheel(tmp_path / "pkgs", "canarywheel", "1.0", {"canarywheel/__init__.py": CANARY})
    probe = (
        "import sys, safe_pip, safe_pip._core as core\n"
        "assert core.__file__.endswith('.abi3.so'), core.__file__\n"
        "report = safe_pip.scan([sys.argv[1]])\n"
        "print(sys.version_info[:2], [p['verdict'] for p in report['packages']])\n"
    )
    done = run([str(python), "-c", probe, str(tmp_path / "pkgs")], env)
    assert done.returncode == 0, done.stderr
    assert f"({version.replace('.', ', ')})" in done.stdout and "'block'" in done.stdout, done.stdout
    cli = run([str(tmp_path / "venv" / "bin" / "safe-pip"), "scan", str(tmp_path / "pkgs")], env)
    assert cli.returncode == 1 and "decode-exec" in cli.stdout, cli.stdout + cli.stderr


@pytest.fixture(scope="session")
def maturin_wheels(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """maturin, the build backend `pip install .` needs, for the fixture index."""
    directory = tmp_path_factory.mktemp("maturin")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--only-binary", ":all:", "--no-deps", "-d", str(directory), "maturin>=1.7,<2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot download maturin from PyPI: {done.stderr[-500:]}")
    return directory


def test_readme_install_block_on_a_fresh_venv(maturin_wheels: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """`pip install . && safe-pip install requests`, as written, in a fresh virtualenv whose
    only index is a fixture index on 127.0.0.1 (a harmless `requests`, and maturin)."""
    files = tmp_path / "index"
    files.mkdir()
    for w in maturin_wheels.iterdir():
        shutil.copy(w, files / w.name)
    build_wheel(files, "requests", "99.0", {"requests/__init__.py": "def get(url):\n    return url\n"})
    venv = tmp_path / "venv"
    make_venv(venv)
    with IndexServer(files) as index:
        env = isolated_env(tmp_path / "home", PIP_INDEX_URL=index.url, VIRTUAL_ENV=str(venv))
        env = _on_path(env, venv / "bin")
        done = run_block("install", env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "ALLOW  requests 99.0" in done.stdout, done.stdout
    assert "safe-pip: 1 file checked: 0 blocked, 0 warned, 1 allowed; pip exited with 0" in done.stdout, done.stdout
    installed = run([str(venv_python(venv)), "-c", "import importlib.metadata as m; print(m.version('requests'))"], env)
    assert installed.stdout.strip() == "99.0"


def _tool_env(home: pathlib.Path) -> dict[str, str]:
    env = isolated_env(
        home,
        PIPX_HOME=str(home / "pipx"),
        PIPX_BIN_DIR=str(home / "bin"),
        PIPX_MAN_DIR=str(home / "man"),
        UV_TOOL_DIR=str(home / "uv-tools"),
        UV_TOOL_BIN_DIR=str(home / "uv-bin"),
    )
    return _on_path(env)


def test_readme_tool_installs_give_a_working_command(readme_wheel: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """`pipx install` and `uv tool install` of the wheel, as the README writes them; the
    wheel has no dependencies, so no index is needed."""
    env = _tool_env(tmp_path / "home")
    env.update(PIP_NO_INDEX="1", UV_OFFLINE="1")
    done = run_block("tools", env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for bin_dir in ("bin", "uv-bin"):
        exe = tmp_path / "home" / bin_dir / "safe-pip"
        assert exe.exists(), f"{bin_dir}: {sorted(p.name for p in exe.parent.iterdir())}"
        explained = run([str(exe), "explain", "decode-exec"], env)
        assert explained.returncode == 0 and "Decoded payload is executed" in explained.stdout, explained.stderr


def test_readme_poetry_block_adds_the_plugin(readme_wheel: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """`pipx inject poetry …` on a Poetry installed with pipx (Poetry itself from PyPI)."""
    env = _tool_env(tmp_path / "home")
    poetry = run([sys.executable, "-m", "pipx", "install", "poetry>=2.0,<3"], env, timeout=900)
    if poetry.returncode != 0:
        pytest.skip(f"cannot install Poetry from PyPI with pipx: {poetry.stderr[-500:]}")
    env.update(PIP_NO_INDEX="1")
    done = run_block("poetry", env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    plugins = run([str(tmp_path / "home" / "bin" / "poetry"), "self", "show", "plugins"], env)
    assert plugins.returncode == 0, plugins.stderr
    assert "installwarden" in plugins.stdout and "application plugin" in plugins.stdout, plugins.stdout
