#!/usr/bin/env python3
"""Runs the steps of the composite GitHub Action (action.yml) and the pre-commit hook
(.pre-commit-hooks.yaml) locally, against two commits of a fixture repository made in a
temporary folder — no GitHub, no network.

The fixture: a base commit whose requirements.txt pins a clean package (`tidy-numbers`)
through `-r requirements/base.txt`, and a head commit that adds a canary (`canary-pkg`:
install-time network access to 127.0.0.1 — blocked) and a clean `helper-lib`. Both
packages are built here and scanned into a private verdict DB first, so the review runs
offline (`fetch: false`).

The Action's `run:` steps are executed as GitHub would run them (bash, the step's `env:`
with `${{ inputs.* }}` / `${{ steps.*.outputs.* }}` / `${{ github.* }}` filled in,
GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files); `uses:` steps (upload-sarif) cannot run
outside GitHub and are reported as skipped after the SARIF file they would upload is
checked. The pre-commit hook runs through `pre-commit try-repo` (pre-commit from PyPI)
when pre-commit is installed.

Exit status 0 when everything behaved as expected: the review found the block, the job
summary and the Markdown file carry "Do not merge", the SARIF file is there, the last step
failed the job, the working tree was not touched, and the hook failed the commit of the
blocked lockfile but passed a clean one.

    python3 scripts/action_local.py [--keep]   # needs `safe-pip` (and `pre-commit`) on PATH
"""

from __future__ import annotations

import argparse
import io
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

import yaml

REPO = pathlib.Path(__file__).resolve().parents[1]

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

CLEAN_SETUP = 'from setuptools import setup\nsetup(name="{name}", version="{version}", packages=["{module}"])\n'


def sdist(folder: pathlib.Path, name: str, version: str, files: dict[str, str]) -> pathlib.Path:
    root = f"{name}-{version}"
    members = {"PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", **files}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for rel, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{root}/{rel}")
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    path = folder / f"{root}.tar.gz"
    path.write_bytes(buf.getvalue())
    return path


def clean(folder: pathlib.Path, name: str, version: str) -> pathlib.Path:
    module = name.replace("-", "_")
    return sdist(folder, name, version, {"setup.py": CLEAN_SETUP.format(name=name, version=version, module=module), f"{module}/__init__.py": "X = 1\n"})


def sha256(path: pathlib.Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def git(repo: pathlib.Path, *args: str, env: dict[str, str]) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(text: str, context: dict[str, str]) -> str:
    """Fills `${{ a || b }}` with the first non-empty value of the named context entries."""

    def one(match: re.Match[str]) -> str:
        for alternative in match.group(1).split("||"):
            value = context.get(alternative.strip(), "")
            if value:
                return value
        return ""

    return EXPRESSION.sub(one, text)


def run_action(repo: pathlib.Path, env: dict[str, str], inputs: dict[str, str], work: pathlib.Path) -> dict[str, object]:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    context = {"github.action_path": str(REPO), "github.event.pull_request.base.sha": inputs.pop("base-ref")}
    for name, spec in action["inputs"].items():
        context[f"inputs.{name}"] = evaluate(str(spec.get("default", "")), context)
    for name, value in inputs.items():
        context[f"inputs.{name}"] = value
    summary = work / "step-summary.md"
    summary.write_text("")
    outcome: dict[str, object] = {"steps": [], "summary": summary}
    for step in action["runs"]["steps"]:
        label = step.get("name", step.get("id", "?"))
        if "uses" in step:
            outcome["steps"].append((label, "skipped (a `uses:` step runs on GitHub only)"))
            continue
        output = work / f"output-{len(outcome['steps'])}"
        output.write_text("")
        step_env = {**env, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
        step_env.update({k: evaluate(str(v), context) for k, v in step.get("env", {}).items()})
        proc = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=repo, env=step_env, capture_output=True, text=True)
        outcome["steps"].append((label, proc.returncode))
        print(f"--- step: {label} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}", end="")
        for line in output.read_text().splitlines():
            key, _, value = line.partition("=")
            if "id" in step:
                context[f"steps.{step['id']}.outputs.{key}"] = value
        if proc.returncode != 0:
            outcome["failed_at"] = label
            break
    outcome["context"] = context
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args()
    if shutil.which("safe-pip") is None:
        print("safe-pip is not on PATH: `pip install .` first", file=sys.stderr)
        return 2
    work = pathlib.Path(tempfile.mkdtemp(prefix="safe-pip-action-"))
    failures: list[str] = []

    def expect(ok: bool, what: str) -> None:
        print(("ok:   " if ok else "FAIL: ") + what)
        if not ok:
            failures.append(what)

    try:
        home = work / "home"
        home.mkdir()
        empty = work / "empty.toml"
        empty.write_text("")
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "SAFE_PIP_DB": str(work / "verdicts.sqlite3"),
            "SAFE_PIP_ORG_CONFIG": str(empty),
            "SAFE_PIP_CONFIG": str(empty),
            "XDG_CACHE_HOME": str(work / "cache"),
            "PRE_COMMIT_HOME": str(work / "pre-commit"),
            "NO_COLOR": "1",
            "GIT_AUTHOR_NAME": "fixture",
            "GIT_AUTHOR_EMAIL": "fixture@example.invalid",
            "GIT_COMMITTER_NAME": "fixture",
            "GIT_COMMITTER_EMAIL": "fixture@example.invalid",
        }
        for key in ("VIRTUAL_ENV", "PYTHONPATH"):
            if key in os.environ:
                env[key] = os.environ[key]
        dist = work / "dist"
        dist.mkdir()
        tidy = clean(dist, "tidy-numbers", "1.0")
        helper = clean(dist, "helper-lib", "2.0")
        canary = sdist(dist, "canary-pkg", "1.0", {"setup.py": CANARY_SETUP})
        scan = subprocess.run(["safe-pip", "scan", str(dist)], env=env, capture_output=True, text=True)
        expect(scan.returncode == 1, "the fixture packages are scanned into the verdict DB (the canary is blocked)")

        repo = work / "repo"
        (repo / "requirements").mkdir(parents=True)
        git(repo, "init", "-q", "-b", "main", env=env)
        (repo / "requirements" / "base.txt").write_text(f"tidy-numbers==1.0 --hash=sha256:{sha256(tidy)}\n")
        (repo / "requirements.txt").write_text("-r requirements/base.txt\n")
        (repo / "README.md").write_text("fixture project\n")
        git(repo, "add", "-A", env=env)
        git(repo, "commit", "-q", "-m", "base", env=env)
        base = git(repo, "rev-parse", "HEAD", env=env).strip()
        git(repo, "switch", "-q", "-c", "feature", env=env)
        (repo / "requirements.txt").write_text(
            "-r requirements/base.txt\n"
            f"canary-pkg==1.0 --hash=sha256:{sha256(canary)}\n"
            f"helper-lib==2.0 --hash=sha256:{sha256(helper)}\n"
        )
        git(repo, "commit", "-q", "-am", "head: add canary-pkg and helper-lib", env=env)
        status_before = git(repo, "status", "--porcelain", env=env)

        # ── the Action ──
        outcome = run_action(repo, env, {"base-ref": base, "fetch": "false", "upload-sarif": "true"}, work)
        context = outcome["context"]
        steps = dict(outcome["steps"])
        expect(steps.get("Install safe-pip") == 0, "install step: safe-pip already on PATH is used")
        expect(context.get("steps.review.outputs.exit-code") == "1", "review step: `safe-pip diff --git-base` exits 1 (blocked)")
        expect(context.get("steps.review.outputs.recommendation") == "Do not merge", "review step: recommendation output is 'Do not merge'")
        markdown = repo / "safe-pip-review.md"
        summary = pathlib.Path(outcome["summary"]).read_text()
        expect(markdown.is_file() and "| 🚫 | `canary-pkg` | new `1.0` |" in markdown.read_text(), "Markdown file lists the blocked canary")
        expect("**Recommendation: Do not merge**" in summary, "job summary carries the report")
        sarif = repo / "safe-pip.sarif"
        expect(sarif.is_file() and '"ruleId": "install-network"' in sarif.read_text(), "SARIF file has the install-network result")
        expect(str(steps.get("Upload SARIF", "")).startswith("skipped"), "upload-sarif is a GitHub-only step (skipped here)")
        expect(outcome.get("failed_at") == "Fail on a block", "the last step fails the job on the block")
        markdown.unlink(missing_ok=True)
        sarif.unlink(missing_ok=True)
        expect(git(repo, "status", "--porcelain", env=env) == status_before, "the working tree is untouched")

        # ── the pre-commit hook ──
        if shutil.which("pre-commit") is None:
            print("skip: pre-commit is not installed (pip install pre-commit)")
        else:
            def hook(*files: str) -> subprocess.CompletedProcess[str]:
                cmd = ["pre-commit", "try-repo", str(REPO), "safe-pip-check-system", "--files", *files]
                proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
                print(f"--- pre-commit try-repo … {' '.join(files)} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}", end="")
                return proc

            expect(hook("requirements.txt").returncode == 1, "pre-commit: the hook fails on the lockfile with the blocked canary")
            expect(hook("requirements/base.txt").returncode == 0, "pre-commit: the hook passes the clean lockfile")
            expect(hook("README.md").returncode == 0, "pre-commit: the hook does not run for other files")
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{len(failures)} failed" if failures else "all expectations held")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
