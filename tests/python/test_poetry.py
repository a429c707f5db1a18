"""The Poetry plugin, end to end: the real Poetry 2.x from PyPI in its own venv, the plugin
installed into it, a fixture index on 127.0.0.1 as the project's only source.

Hermetic: Poetry's HTTP(S)_PROXY points at a closed loopback port, so a request to any
other address fails instead of leaving the machine; caches, config, HOME and the verdict DB
are temp dirs. Malicious fixtures are canaries: their code would only write a marker file.

Knobs: SAFE_PIP_TEST_POETRY (requirement, default "poetry>=2.0,<3"), SAFE_PIP_TEST_POETRY_VENV
(reuse or create Poetry's venv there), SAFE_PIP_TEST_WHEEL (install this wheel instead of
packing the safe-pip this session runs).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import pathlib
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator

import pytest
from fixtures_index import IndexServer, build_sdist, build_wheel, isolated_env

POETRY_REQUIREMENT = os.environ.get("SAFE_PIP_TEST_POETRY", "poetry>=2.0,<3")


# ---- session: Poetry in its own venv, the plugin installed into it ------------------------


@pytest.fixture(scope="session")
def poetry_venv(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """Poetry from PyPI (the only step that needs the network), once per session, or the
    venv named by SAFE_PIP_TEST_POETRY_VENV (created there if missing) to save time."""
    reuse = os.environ.get("SAFE_PIP_TEST_POETRY_VENV")
    venv = pathlib.Path(reuse) if reuse else tmp_path_factory.mktemp("poetry") / "venv"
    python = venv / "bin" / "python"
    if not (venv / "bin" / "poetry").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        _pip(python, "install", "--quiet", "--disable-pip-version-check", POETRY_REQUIREMENT)
    wheel = os.environ.get("SAFE_PIP_TEST_WHEEL") or str(_plugin_wheel(tmp_path_factory.mktemp("wheel")))
    _pip(python, "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--force-reinstall", wheel)
    return venv


def _pip(python: pathlib.Path, *args: str) -> None:
    done = subprocess.run([str(python), "-m", "pip", *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


_INSTALL_ONLY = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def _plugin_wheel(directory: pathlib.Path) -> pathlib.Path:
    """The safe-pip this test session runs, packed back into a wheel (no second Rust build)."""
    dist = importlib.metadata.distribution("installwarden")
    site = pathlib.Path(str(dist.locate_file("")))
    info = next(str(f).split("/")[0] for f in dist.files or () if str(f).endswith(".dist-info/METADATA"))
    tag = next(
        line.split(":", 1)[1].strip()
        for line in (site / info / "WHEEL").read_text().splitlines()
        if line.startswith("Tag:")
    )
    path = directory / f"installwarden-{dist.version}-{tag}.whl"
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in dist.files or ():
            name = str(member)
            if name.startswith("..") or "__pycache__" in name or name.split("/")[-1] in _INSTALL_ONLY:
                continue
            data = (site / name).read_bytes()
            archive.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
        record.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return path


# ---- per test: a project, an index, a sandboxed environment ----------------------------


_POETRY_ENV = {
    "POETRY_CACHE_DIR",
    "POETRY_CONFIG_DIR",
    "POETRY_DATA_DIR",
    "POETRY_VIRTUALENVS_IN_PROJECT",
    "POETRY_NO_INTERACTION",
    "POETRY_KEYRING_ENABLED",
}


class Project:
    def __init__(self, venv: pathlib.Path, root: pathlib.Path, index: IndexServer) -> None:
        self.venv = venv
        self.root = root
        self.dir = root / "project"
        self.index = index
        self.marker = root / "MARKER"
        self.files = root / "index"
        # Empty org and user config files: the machine's own settings never reach a test.
        empty_config = root / "empty-config.toml"
        empty_config.write_text("")
        self.env = isolated_env(
            root / "home",
            POETRY_CACHE_DIR=str(root / "poetry-cache"),
            POETRY_CONFIG_DIR=str(root / "poetry-config"),
            POETRY_DATA_DIR=str(root / "poetry-data"),
            POETRY_VIRTUALENVS_IN_PROJECT="true",
            POETRY_NO_INTERACTION="1",
            POETRY_KEYRING_ENABLED="false",
            SAFE_PIP_DB=str(root / "verdicts.sqlite"),
            SAFE_PIP_ORG_CONFIG=str(empty_config),
            SAFE_PIP_CONFIG=str(empty_config),
            # Anything not on loopback goes to a closed port and fails: nothing leaves the machine.
            HTTP_PROXY="http://127.0.0.1:9",
            HTTPS_PROXY="http://127.0.0.1:9",
            PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        for key in [k for k in self.env if k.upper().startswith("POETRY_") and k not in _POETRY_ENV]:
            del self.env[key]

    def serve(self, **options: object) -> None:
        """The same files from a new index server (e.g. `metadata=False`: a plain mirror)."""
        self.index.stop()
        self.index = IndexServer(self.files, **options).start()  # type: ignore[arg-type]
        self.write_pyproject()

    def write_pyproject(self, dependencies: list[str] | None = None, *, source: bool = True) -> None:
        deps = ", ".join(f'"{d}"' for d in dependencies or [])
        text = f"""[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = [{deps}]

[tool.poetry]
package-mode = false
"""
        if source:
            text += f"""
[[tool.poetry.source]]
name = "fixture"
url = "{self.index.url}"
priority = "primary"
"""
        (self.dir / "pyproject.toml").write_text(text)

    def poetry(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.venv / "bin" / "poetry"), *args],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        print(f"$ poetry {' '.join(args)}  (rc={done.returncode})\n{done.stdout}{done.stderr}")
        return done

    @property
    def site_packages(self) -> pathlib.Path:
        return next((self.dir / ".venv" / "lib").glob("python*/site-packages"))

    def installed(self) -> set[str]:
        return {p.name for p in self.site_packages.iterdir()}

    def start_python(self) -> None:
        """Starts the project's interpreter once: a .pth payload that got installed would run."""
        subprocess.run([str(self.dir / ".venv" / "bin" / "python"), "-c", "pass"], env=self.env, check=True)

    def files_state(self) -> dict[str, bytes | None]:
        state: dict[str, bytes | None] = {}
        for name in ("pyproject.toml", "poetry.lock"):
            path = self.dir / name
            state[name] = path.read_bytes() if path.exists() else None
        return state


@pytest.fixture
def project(poetry_venv: pathlib.Path, tmp_path: pathlib.Path) -> Iterator[Project]:
    files = tmp_path / "index"
    files.mkdir()
    index = IndexServer(files, json=True, metadata=True).start()
    proj = Project(poetry_venv, tmp_path, index)
    proj.dir.mkdir()
    proj.write_pyproject()
    # The project's venv, made here so that "the venv is unchanged" has a before.
    subprocess.run(
        [str(poetry_venv / "bin" / "python"), "-m", "venv", "--without-pip", str(proj.dir / ".venv")], check=True
    )
    _publish_fixtures(proj)
    try:
        yield proj
    finally:
        index.stop()


def canary_payload(marker: pathlib.Path) -> str:
    code = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')"
    return base64.b64encode(code.encode()).decode()


def _publish_fixtures(proj: Project) -> None:
    """The index (JSON pages and PEP 658 metadata, as PyPI serves them): a clean project with a
    clean dependency, a project whose import decodes and runs a payload, one that reaches the
    network on import (a warning), and a clean-looking wrapper that depends on a package
    shipping a .pth payload (which would run at every interpreter start)."""
    payload = canary_payload(proj.marker)
    build_wheel(
        proj.files,
        "tidy-numbers",
        "1.0",
        {"tidy_numbers/__init__.py": "from tiny_helper import add\n"},
        requires=("tiny-helper>=1",),
    )
    build_wheel(proj.files, "tiny-helper", "1.0", {"tiny_helper/__init__.py": "def add(a, b):\n    return a + b\n"})
    build_wheel(
        proj.files, "evil-pkg", "1.0", {"evil_pkg/__init__.py": f"import base64\nexec(base64.b64decode('{payload}'))\n"}
    )
    build_wheel(
        proj.files,
        "netty",
        "1.0",
        {"netty/__init__.py": "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/')\n"},
    )
    build_wheel(
        proj.files,
        "nice-wrapper",
        "1.0",
        {"nice_wrapper/__init__.py": "VERSION = '1.0'\n"},
        requires=("pth-helper>=1",),
    )
    build_wheel(
        proj.files,
        "pth-helper",
        "1.0",
        {"pth_helper/__init__.py": "", "pth_helper.pth": f"import base64; exec(base64.b64decode('{payload}'))\n"},
    )


def assert_no_marker(proj: Project) -> None:
    if (proj.dir / ".venv").exists():
        proj.start_python()
    assert not proj.marker.exists(), "blocked code ran"


# ---- the cases --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "name"),
    [
        ("requests", "requests"),
        ("requests@^2.31", "requests"),
        ("requests[socks]>=2,<3", "requests"),
        ("zope.interface==6.0", "zope.interface"),
        ("pendulum:2.1", "pendulum"),
        ("requests==2.32.3 ; python_version >= '3.9'", "requests"),
        ("git+https://github.com/psf/requests.git@main", None),
        ("https://example.org/requests-2.32.3.tar.gz", None),
        ("./vendor/requests-2.32.3.tar.gz", None),
        ("../libs/requests", None),
    ],
)
def test_the_project_an_add_argument_names(argument: str, name: str | None) -> None:
    from safe_pip.poetry_plugin.names import project_name

    assert project_name(argument) == name


def test_report_text_shows_control_characters_as_escapes(poetry_venv: pathlib.Path) -> None:
    """A member name with terminal escapes cannot move the cursor or erase the BLOCK line (#14)."""
    code = (
        "import json\n"
        "from safe_pip.poetry_plugin.report import esc\n"
        "print(json.dumps(esc('evil\\x1b]0;PWNED\\x07\\x1b[1A\\x1b[2K\\rALLOW  fake\\x1b[8m.py\\u202e<b>')))\n"
    )
    done = subprocess.run([str(poetry_venv / "bin" / "python"), "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or ord(c) == 0x202E for c in shown), repr(shown)
    assert "evil\\x1b]0;PWNED\\x07\\x1b[1A\\x1b[2K\\rALLOW  fake\\x1b[8m.py\\u{202e}" in shown, shown
    assert "<b>" not in shown.replace("\\<b>", ""), shown


def test_plugin_is_listed(project: Project) -> None:
    done = project.poetry("self", "show", "plugins")
    assert done.returncode == 0
    assert "installwarden" in done.stdout and "application plugin" in done.stdout


def test_clean_add_installs_and_reports(project: Project) -> None:
    done = project.poetry("add", "tidy-numbers")
    assert done.returncode == 0, done.stderr
    lock = (project.dir / "poetry.lock").read_text()
    assert 'name = "tidy-numbers"' in lock and 'name = "tiny-helper"' in lock
    # The lock names the real source, never the proxy's address or routes.
    assert project.index.url.rstrip("/") in lock
    assert "/u/0/" not in lock
    assert {"tidy_numbers", "tiny_helper"} <= project.installed()
    # Every file came through the gate: the summary counts both, one of them transitive.
    assert re.search(r"safe-pip: checked 2 files \(2 new, 1 transitive\): 2 allowed", done.stdout), done.stdout
    assert "tidy-numbers" in (project.dir / "pyproject.toml").read_text()


def test_malicious_add_fails_and_leaves_project_files_alone(project: Project) -> None:
    assert project.poetry("add", "tidy-numbers").returncode == 0
    before = project.files_state()
    installed = project.installed()
    done = project.poetry("add", "evil-pkg")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "safe-pip blocked evil-pkg (1.0)" in out
    assert "decode-exec" in out
    assert "poetry safe-pip allow evil-pkg==1.0 --alert decode-exec" in out
    assert project.files_state() == before
    assert project.installed() == installed
    assert_no_marker(project)


def test_malicious_transitive_dependency_is_caught(project: Project) -> None:
    before = project.files_state()
    done = project.poetry("add", "nice-wrapper")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "safe-pip blocked pth-helper (1.0)" in out
    assert "transitive" in out
    assert "nice_wrapper" not in project.installed()
    assert project.files_state() == before
    assert_no_marker(project)


def test_install_of_lock_with_malicious_file_is_stopped_before_anything_is_installed(project: Project) -> None:
    # A lock written without the plugin (as a colleague without it would) pins a clean
    # package and a malicious one.
    project.write_pyproject(["tidy-numbers>=1", "evil-pkg>=1"])
    locked = project.poetry("--no-plugins", "lock")
    assert locked.returncode == 0
    before = project.installed()
    done = project.poetry("install")
    assert done.returncode == 1
    assert "safe-pip blocked evil-pkg (1.0)" in done.stdout + done.stderr
    assert "Nothing was installed" in done.stdout + done.stderr
    # Not even the clean packages of the same batch: the venv is exactly as before.
    assert project.installed() == before
    assert_no_marker(project)


def test_typosquat_is_refused_before_resolution(project: Project) -> None:
    before = project.files_state()
    done = project.poetry("add", "reqeusts")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "typosquatting" in out and "Did you mean requests?" in out
    assert not [path for _, path, _ in project.index.requests if "reqeusts" in path]
    assert project.files_state() == before


def test_path_dependency_is_scanned_before_poetry_builds_it(project: Project) -> None:
    # Poetry builds an sdist given by path to read its metadata: setup.py would run.
    archive = build_sdist(project.root, "local-thing", "1.0", {"setup.py": _canary_setup(project, "local-thing")})
    before = project.files_state()
    done = project.poetry("add", str(archive))
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "safe-pip blocked local-thing (1.0)" in out
    assert project.files_state() == before
    assert_no_marker(project)


def test_verbose_lists_every_file_and_quiet_only_blocks(project: Project) -> None:
    done = project.poetry("add", "-v", "tidy-numbers")
    assert done.returncode == 0
    assert re.search(
        r"- tiny-helper \(1\.0\) tiny_helper-1\.0-py3-none-any\.whl: allowed.*\[new, transitive\]", done.stdout
    )
    quiet = project.poetry("add", "--quiet", "nice-wrapper")
    assert quiet.returncode == 1
    assert "pth-helper" in quiet.stderr
    assert "safe-pip: checked" not in quiet.stdout + quiet.stderr


def test_safe_pip_vet_command_runs_the_cli(project: Project) -> None:
    done = project.poetry("safe-pip", "vet", "--offline", "reqeusts")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "requests" in done.stdout


def test_lock_with_a_malicious_package_is_not_written(project: Project) -> None:
    project.write_pyproject(["evil-pkg>=1"])
    before = project.files_state()
    done = project.poetry("lock")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "safe-pip blocked evil-pkg (1.0)" in out
    assert "poetry.lock was not written" in out
    assert not (project.dir / "poetry.lock").exists()
    assert project.files_state() == before


def test_warnings_are_reported_and_quiet_hides_them(project: Project) -> None:
    done = project.poetry("add", "netty")
    assert done.returncode == 0, done.stderr
    assert "1 with warnings" in done.stdout
    assert re.search(r"- netty \(1\.0\) netty-1\.0-py3-none-any\.whl: warning, risk \d+/100 \(high\)", done.stdout)
    assert "import-network" in done.stdout
    project.write_pyproject()
    (project.dir / "poetry.lock").unlink()
    quiet = project.poetry("add", "-q", "netty")
    assert quiet.returncode == 0
    assert quiet.stdout.strip() == "" and "netty" not in quiet.stderr


def test_commands_that_do_not_install_start_nothing(project: Project) -> None:
    # -vvv prints the proxy's routes when the plugin guards a command.
    guarded = project.poetry("lock", "-vvv")
    assert guarded.returncode == 0
    assert re.search(r"safe-pip: source fixture through http://127\.0\.0\.1:\d+/u/0/simple/", guarded.stdout)
    for args in (["check"], ["show"], ["env", "info", "--path"], ["self", "show", "plugins"]):
        done = project.poetry(*args, "-vvv")
        assert done.returncode == 0
        assert "safe-pip:" not in done.stdout + done.stderr


def test_pypi_is_routed_and_the_lock_stays_source_free(project: Project) -> None:
    # No [[tool.poetry.source]]: Poetry uses PyPI, which the proxy fetches from the mirror.
    project.write_pyproject(source=False)
    project.env["SAFE_PIP_POETRY_PYPI_URL"] = project.index.url
    done = project.poetry("add", "tidy-numbers")
    assert done.returncode == 0, done.stderr
    lock = (project.dir / "poetry.lock").read_text()
    assert 'name = "tiny-helper"' in lock
    assert "[package.source]" not in lock and "127.0.0.1" not in lock
    # A fresh environment installs from that lock, through the gate again.
    subprocess.run(["rm", "-rf", str(project.dir / ".venv")], check=True)
    subprocess.run(
        [str(project.venv / "bin" / "python"), "-m", "venv", "--without-pip", str(project.dir / ".venv")], check=True
    )
    installed = project.poetry("install")
    assert installed.returncode == 0, installed.stderr
    assert {"tidy_numbers", "tiny_helper"} <= project.installed()
    assert "safe-pip: checked 2 files" in installed.stdout


def test_private_source_credentials_reach_the_index_and_nowhere_else(project: Project) -> None:
    secret = "s3cr3t-Pa55"
    project.serve(json=True, metadata=True, auth=("alice", secret))
    project.env["POETRY_HTTP_BASIC_FIXTURE_USERNAME"] = "alice"
    project.env["POETRY_HTTP_BASIC_FIXTURE_PASSWORD"] = secret
    done = project.poetry("add", "-vvv", "tidy-numbers")
    assert done.returncode == 0, done.stderr
    assert {"tidy_numbers", "tiny_helper"} <= project.installed()
    assert project.index.file_requests("tidy_numbers-1.0-py3-none-any.whl")
    assert project.index.authorization and not any(
        h.get("authorization") != project.index.authorization for _, _, h in project.index.requests
    )
    assert secret not in done.stdout + done.stderr
    assert secret not in (project.dir / "poetry.lock").read_text()


def test_poetry_self_add_is_guarded(project: Project) -> None:
    # Poetry's own project needs poetry itself, which the fixture index lacks: without PEP 658
    # metadata upstream, the gate judges evil-pkg's wheel while Poetry resolves, first.
    project.serve(metadata=False)
    project.env["SAFE_PIP_POETRY_PYPI_URL"] = project.index.url
    done = project.poetry("self", "add", "--dry-run", "evil-pkg")
    assert done.returncode == 1
    assert "safe-pip blocked evil-pkg (1.0)" in done.stdout + done.stderr
    site = next((project.venv / "lib").glob("python*/site-packages"))
    assert not (site / "evil_pkg").exists()


def test_install_stops_on_a_file_that_became_known_malicious(project: Project) -> None:
    # Locked and installed while nobody knew; then an advisory arrives (OSV, as published
    # by OpenSSF malicious-packages) and a fresh environment is installed from the lock.
    assert project.poetry("add", "tidy-numbers").returncode == 0
    subprocess.run(["rm", "-rf", str(project.dir / ".venv")], check=True)
    venv = [str(project.venv / "bin" / "python"), "-m", "venv", "--without-pip", str(project.dir / ".venv")]
    subprocess.run(venv, check=True)
    advisory = project.root / "MAL-2099-1.json"
    advisory.write_text(
        '{"id": "MAL-2099-1", "summary": "Malicious code in tiny-helper (PyPI)", "affected": [{"package":'
        ' {"ecosystem": "PyPI", "name": "tiny-helper"}, "versions": ["1.0"]}]}'
    )
    imported = subprocess.run(
        [sys.executable, "-m", "safe_pip", "db", "import", str(advisory)],
        env=project.env,
        capture_output=True,
        text=True,
    )
    assert imported.returncode == 0, imported.stderr
    before = project.installed()
    done = project.poetry("install")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "safe-pip blocked tiny-helper (1.0)" in out and "known-malware" in out
    assert project.installed() == before


def test_safe_pip_check_judges_the_lock_with_the_projects_sources(project: Project) -> None:
    project.write_pyproject(["tidy-numbers>=1", "evil-pkg>=1"])
    assert project.poetry("--no-plugins", "lock").returncode == 0
    # --fetch: what the verdict DB does not know is fetched from the project's source.
    done = project.poetry("safe-pip", "check", "--fetch")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "evil-pkg" in done.stdout and "decode-exec" in done.stdout
    assert project.index.file_requests("evil_pkg-1.0-py3-none-any.whl")
    # Now every file is in the DB: offline, the same verdict, and nothing is fetched.
    served = len(project.index.requests)
    offline = project.poetry("safe-pip", "check")
    assert offline.returncode == 1, offline.stdout + offline.stderr
    assert "evil-pkg" in offline.stdout
    assert len(project.index.requests) == served


def test_safe_pip_check_after_a_guarded_install_judges_what_the_environment_installs(project: Project) -> None:
    """The lock lists every file of a release; the install fetched one of them. `check` judges
    the files the project's environment installs, so it passes right after a clean install."""
    helper = project.files / "tiny_helper-1.0-py3-none-any.whl"
    # Another platform's wheel (never fetched: its bytes do not matter) and an sdist.
    (project.files / "tiny_helper-1.0-cp39-cp39-win_amd64.whl").write_bytes(helper.read_bytes())
    build_sdist(project.files, "tiny_helper", "1.0", {"setup.py": "from setuptools import setup\nsetup()\n"})
    done = project.poetry("add", "tidy-numbers")
    assert done.returncode == 0, done.stdout + done.stderr
    lock = (project.dir / "poetry.lock").read_text()
    assert "tiny_helper-1.0-cp39-cp39-win_amd64.whl" in lock and "tiny_helper-1.0.tar.gz" in lock
    served = len(project.index.requests)

    checked = project.poetry("safe-pip", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "2 allowed" in checked.stdout
    assert "2 locked files for other platforms, not checked" in checked.stdout
    # Judged for the project's own interpreter (a venv without pip: safe-pip's Python lends it).
    assert str(project.dir / ".venv") in checked.stdout
    assert "poetry safe-pip check --all-platforms" in checked.stdout

    every = project.poetry("safe-pip", "check", "--all-platforms")
    assert every.returncode == 3, every.stdout + every.stderr
    # The other platform's wheel has the same bytes as the installed one (so the DB knows its
    # hash); the sdist was never fetched.
    assert "tiny-helper" in every.stdout and "1 of 3 locked files unverified" in every.stdout
    # The hint names the command that was run.
    assert "`poetry safe-pip check --fetch`" in every.stdout
    assert len(project.index.requests) == served, "check without --fetch sent requests"
    assert_no_marker(project)


def test_a_documented_decision_lets_the_package_through(project: Project) -> None:
    assert project.poetry("add", "evil-pkg").returncode == 1
    allow = project.poetry(
        "safe-pip", "allow", "evil-pkg==1.0", "--alert", "decode-exec", "--reason", "reviewed: test canary",
        "--by", "Test Reviewer <reviewer@example.com>",
    )
    assert allow.returncode == 0, allow.stdout + allow.stderr
    assert "decode-exec" in (project.dir / "pyproject.toml").read_text()
    done = project.poetry("add", "evil-pkg")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "evil_pkg" in project.installed()


def test_a_file_that_cannot_be_checked_is_not_installed(project: Project) -> None:
    project.write_pyproject(["tidy-numbers>=1"])
    assert project.poetry("--no-plugins", "lock").returncode == 0
    project.index.failing.add("tiny_helper-1.0-py3-none-any.whl")
    before = project.installed()
    done = project.poetry("install")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "safe-pip could not check tiny-helper (1.0)" in out
    assert "HTTP 500" in out
    assert project.installed() == before


def test_update_sync_remove_and_lock_only_add_work_through_the_plugin(project: Project) -> None:
    assert project.poetry("add", "tidy-numbers").returncode == 0
    # A newer release appears upstream: update installs it, checked first.
    build_wheel(project.files, "tiny-helper", "1.1", {"tiny_helper/__init__.py": "def add(a, b):\n    return b + a\n"})
    updated = project.poetry("update")
    assert updated.returncode == 0, updated.stderr
    assert "safe-pip: checked 1 file (1 updated, 1 transitive): 1 allowed" in updated.stdout
    assert "tiny_helper-1.1.dist-info" in project.installed()
    # --lock: the lock is written (after the pre-flight), nothing is installed.
    locked = project.poetry("add", "--lock", "netty")
    assert locked.returncode == 0, locked.stderr
    assert 'name = "netty"' in (project.dir / "poetry.lock").read_text()
    assert "netty" not in project.installed()
    assert project.poetry("sync").returncode == 0
    assert "netty" in project.installed()
    removed = project.poetry("remove", "netty")
    assert removed.returncode == 0, removed.stderr
    assert "netty" not in project.installed()


def _canary_setup(project: Project, name: str) -> str:
    return (
        f"import base64\nexec(base64.b64decode('{canary_payload(project.marker)}'))\n"
        f"from setuptools import setup\nsetup(name='{name}', version='1.0')\n"
    )


def test_url_dependency_is_scanned_before_poetry_builds_it(project: Project) -> None:
    build_sdist(project.files, "remote-thing", "1.0", {"setup.py": _canary_setup(project, "remote-thing")})
    before = project.files_state()
    base = project.index.url[: -len("simple/")]
    done = project.poetry("add", f"{base}files/remote-thing-1.0.tar.gz")
    assert done.returncode == 1
    assert "safe-pip blocked remote-thing (1.0)" in done.stdout + done.stderr
    assert project.files_state() == before
    assert_no_marker(project)


def test_git_dependency_is_scanned_before_poetry_builds_it(project: Project) -> None:
    repo = project.root / "repo"
    (repo / "git_thing").mkdir(parents=True)
    (repo / "setup.py").write_text(_canary_setup(project, "git-thing"))
    (repo / "git_thing" / "__init__.py").write_text("")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "canary"], check=True)
    before = project.files_state()
    done = project.poetry("add", f"git+file://{repo}")
    assert done.returncode == 1
    # A source tree with only a setup.py names no version statically: the repository is named.
    assert "safe-pip blocked repo." in done.stdout + done.stderr
    assert "decode-exec" in done.stdout + done.stderr
    assert project.files_state() == before
    assert_no_marker(project)


def test_summary_precedes_the_root_install_and_a_reinstall_from_the_lock_is_not_new(project: Project) -> None:
    project.write_pyproject(["tidy-numbers>=1"])
    pyproject = project.dir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("package-mode = false\n", ""))
    (project.dir / "demo").mkdir()
    (project.dir / "demo" / "__init__.py").write_text("")
    first = project.poetry("install")
    assert first.returncode == 0, first.stdout + first.stderr
    assert re.search(r"safe-pip: checked 2 files \(2 new, 1 transitive\)", first.stdout), first.stdout
    # The report sits under the operations it is about, before Poetry installs the project.
    assert first.stdout.index("safe-pip: checked") < first.stdout.index("Installing the current project"), first.stdout
    # A fresh environment from the same lock, with a warm verdict DB: nothing is new.
    import shutil

    shutil.rmtree(project.dir / ".venv")
    again = project.poetry("install")
    assert again.returncode == 0, again.stdout + again.stderr
    assert re.search(r"checked 2 files \(2 unchanged, 1 transitive, 2 known from the verdict DB\)", again.stdout), again.stdout
    assert "new" not in again.stdout.split("safe-pip: checked", 1)[1].split("\n", 1)[0]
