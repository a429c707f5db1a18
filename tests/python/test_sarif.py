"""`--format sarif` of `scan`, `check` and `diff`, validated against the official SARIF
2.1.0 schema (OASIS errata 01, vendored in tests/fixtures/sarif/), and `diff` end to end:
two lockfiles, and the working tree of a fixture git repository against its base commit."""

from __future__ import annotations

import hashlib
import json
import pathlib
import subprocess

import jsonschema
from referencing import Registry, Resource

from conftest import REPO, SCHEMA, run_cli

SARIF_SCHEMA = json.loads((REPO / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SARIF_SCHEMA)
CHECK_SCHEMA = json.loads((REPO / "docs" / "check-report.schema.json").read_text())
DIFF_VALIDATOR = jsonschema.Draft202012Validator(
    json.loads((REPO / "docs" / "diff-report.schema.json").read_text()),
    registry=Registry().with_resources(
        [(SCHEMA["$id"], Resource.from_contents(SCHEMA)), (CHECK_SCHEMA["$id"], Resource.from_contents(CHECK_SCHEMA))]
    ),
)


CANARY_LINE = 9  # urllib.request.urlopen(...) in conftest.CANARY_SETUP


def sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def valid_sarif(text: str) -> dict:
    doc = json.loads(text)
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert doc["version"] == "2.1.0"
    return doc


def test_the_vendored_schema_is_the_official_one_and_rejects_a_broken_log() -> None:
    assert SARIF_SCHEMA["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    assert not VALIDATOR.is_valid({"version": "2.1.0", "runs": [{"results": []}]}), "a run needs its tool"


def test_scan_sarif_points_into_the_archive(canary, benign) -> None:
    proc = run_cli("scan", "--format", "sarif", str(canary), str(benign))
    assert proc.returncode == 1, proc.stderr
    run = valid_sarif(proc.stdout)["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "install-network" in rules and rules["install-network"]["help"]["text"]
    result = next(r for r in run["results"] if r["ruleId"] == "install-network")
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "canary-pkg-1.0/setup.py"
    report = json.loads(run_cli("scan", "--format", "json", str(canary)).stdout)
    alert = next(a for a in report["packages"][0]["alerts"] if a["id"] == "install-network")
    assert location["region"]["startLine"] == alert["line"] == CANARY_LINE
    parent = run["artifacts"][run["artifacts"][location["artifactLocation"]["index"]]["parentIndex"]]
    assert parent["location"]["uri"].endswith("canary-pkg-1.0.tar.gz")


def test_check_sarif_points_at_the_lockfile_line(tmp_path, canary, benign) -> None:
    assert run_cli("scan", str(canary), str(benign)).returncode == 1
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(
        f"tidy-numbers==1.0 --hash=sha256:{sha256(benign)}\n"
        "never-seen==2.0\n"
        f"canary-pkg==1.0 --hash=sha256:{sha256(canary)}\n"
    )
    proc = run_cli("check", "--format", "sarif", str(reqs))
    assert proc.returncode == 1, proc.stderr
    results = valid_sarif(proc.stdout)["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["install-network"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert by_rule["unverified"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert by_rule["unverified"]["level"] == "error"


def git(repo: pathlib.Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "HOME": str(repo), "PATH": __import__("os").environ["PATH"]}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def test_diff_two_files_and_against_a_git_base(tmp_path, canary, benign, monkeypatch) -> None:
    assert run_cli("scan", str(canary), str(benign)).returncode == 1
    old = tmp_path / "old.txt"
    new = tmp_path / "new.txt"
    old.write_text(f"tidy-numbers==1.0 --hash=sha256:{sha256(benign)}\n")
    new.write_text(old.read_text() + f"canary-pkg==1.0 --hash=sha256:{sha256(canary)}\n")
    proc = run_cli("diff", str(old), str(new))
    assert proc.returncode == 1, proc.stderr
    assert "NEW" in proc.stdout and "canary-pkg" in proc.stdout and "Recommendation: Do not merge" in proc.stdout
    proc = run_cli("diff", "--format", "json", str(old), str(new))
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    DIFF_VALIDATOR.validate(report)
    assert report["recommendation"] == "Do not merge"
    assert [(c["change"], c["name"], c["status"]) for c in report["changes"]] == [("new", "canary-pkg", "blocked")]
    assert report["changes"][0]["recommendation"]["allow"].startswith("safe-pip allow canary-pkg==1.0 --alert install-network")
    # An update whose new file has install-time network access: the behaviour change.
    updated = tmp_path / "updated.txt"
    updated.write_text(f"tidy-numbers==2.0 --hash=sha256:{sha256(canary)}\n")
    proc = run_cli("diff", "--format", "json", str(old), str(updated))
    report = json.loads(proc.stdout)
    DIFF_VALIDATOR.validate(report)
    change = report["changes"][0]
    assert (change["change"], change["old_version"], change["new_version"]) == ("updated", "1.0", "2.0")
    assert {"alert": "install-network", "context": "install"}.items() <= change["behaviour"]["added"][0].items()
    proc = run_cli("diff", "--format", "sarif", str(old), str(new))
    assert proc.returncode == 1
    result = valid_sarif(proc.stdout)["runs"][0]["results"][0]
    assert result["ruleId"] == "install-network"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2

    # A fixture repository: the base commit pins tidy-numbers through an include; the
    # working tree adds the canary. Nothing is checked out, the working tree is unchanged.
    repo = tmp_path / "repo"
    (repo / "requirements").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "requirements" / "base.txt").write_text(f"tidy-numbers==1.0 --hash=sha256:{sha256(benign)}\n")
    (repo / "requirements.txt").write_text("-r requirements/base.txt\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "requirements.txt").write_text(f"-r requirements/base.txt\ncanary-pkg==1.0 --hash=sha256:{sha256(canary)}\n")
    before = git(repo, "status", "--porcelain")
    monkeypatch.chdir(repo)
    proc = run_cli("diff", "--git-base", "main", "--format", "markdown")
    assert proc.returncode == 1, proc.stderr
    assert "**Recommendation: Do not merge**" in proc.stdout
    assert "| 🚫 | `canary-pkg` | new `1.0` |" in proc.stdout
    assert "tidy-numbers" not in proc.stdout.split("### ")[0].split("allowed change")[0], "unchanged, not listed"
    proc = run_cli("diff", "--git-base", "main", "--format", "sarif", "--output", str(tmp_path / "out.sarif"))
    assert proc.returncode == 1 and proc.stdout == ""
    valid_sarif((tmp_path / "out.sarif").read_text())
    assert git(repo, "status", "--porcelain") == before
    proc = run_cli("diff", "--git-base", "no-such-ref")
    assert proc.returncode == 2 and "no commit `no-such-ref`" in proc.stderr and "hint:" in proc.stderr
