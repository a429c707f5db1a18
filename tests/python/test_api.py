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
    with pytest.raises(FileNotFoundError, match="hint") as info:
        safe_pip.scan([tmp_path / "missing.whl"])
    assert isinstance(info.value, safe_pip.SafePipError)
    assert info.value.message.endswith("missing.whl: no such file or directory")
    assert info.value.hint.startswith("pass a package file")


def test_a_broken_verdict_db_raises_safe_pip_error_with_its_remedy(tmp_path, monkeypatch, canary) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not an SQLite database\n" * 200)
    monkeypatch.setenv("SAFE_PIP_DB", str(broken))
    with pytest.raises(safe_pip.SafePipError) as info:
        safe_pip.scan([canary])
    assert not isinstance(info.value, FileNotFoundError)
    assert "db reset" in info.value.hint and info.value.hint not in info.value.message
    assert str(info.value) == f"{info.value.message} (hint: {info.value.hint})"
    with pytest.raises(_core.SafePipError) as info:
        _core.Proxy(["http://127.0.0.1:9/simple/"], db=str(broken))
    assert "db reset" in info.value.hint


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
        if issubclass(getattr(_core, name), BaseException):
            attributes = {a.target.id for a in node.body if isinstance(a, ast.AnnAssign) and isinstance(a.target, ast.Name)}
            assert attributes <= {"message", "hint"}, name
        cls = getattr(_core, name)
        inherited = {m for base in cls.__mro__ if base.__module__ == "builtins" for m in dir(base)}
        native = {m for m in dir(cls) if not m.startswith("_") and m not in inherited}
        assert methods == native, name
    assert pathlib.Path(safe_pip.__file__).with_name("py.typed").exists()
