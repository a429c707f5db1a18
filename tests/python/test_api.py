"""The Python API and the typed stub of the native module."""

from __future__ import annotations

import ast
import pathlib

import jsonschema
import pytest

import safe_pip
from safe_pip import _core
from conftest import SCHEMA


def test_scan_returns_the_report_dict(canary) -> None:
    report = safe_pip.scan([canary])
    jsonschema.validate(report, SCHEMA)
    assert report["packages"][0]["verdict"] == "block"


def test_scan_of_a_missing_path_raises(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="hint"):
        safe_pip.scan([tmp_path / "missing.whl"])


def test_explain_known_and_unknown() -> None:
    entry = safe_pip.explain("decode-exec")
    assert entry is not None and entry["severity"] == "critical" and entry["remediation"]
    assert safe_pip.explain("no-such-alert") is None


def test_stub_matches_the_native_module() -> None:
    stub = pathlib.Path(safe_pip.__file__).with_name("_core.pyi")
    tree = ast.parse(stub.read_text())
    declared = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    declared |= {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    declared |= set(classes)
    public = {n for n in dir(_core) if not n.startswith("_") or n == "__version__"}
    assert declared == public
    for name, node in classes.items():
        methods = {m.name for m in node.body if isinstance(m, ast.FunctionDef) and not m.name.startswith("__")}
        native = {m for m in dir(getattr(_core, name)) if not m.startswith("_")}
        assert methods == native, name
    assert pathlib.Path(safe_pip.__file__).with_name("py.typed").exists()
