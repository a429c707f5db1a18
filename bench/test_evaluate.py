"""Unit test of bench/evaluate.py against bench/fake_scanner.py on made-up corpora.

Run: python3 -m unittest bench/test_evaluate.py   (stdlib only, no network)
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import evaluate  # noqa: E402

FAKE = f"{sys.executable} {HERE / 'fake_scanner.py'}"


def make_corpora(root: Path) -> tuple[Path, Path]:
    mal = root / "mal"
    ben = root / "ben"
    # malicious: (name, version, filename, ext_ok)
    mal_rows = [
        ("a", "1.0", "a-1.0-blockme.tar.gz", "yes"),
        ("b", "1.0", "b-1.0-blockme.tar.gz", "yes"),
        ("c", "2.0", "c-2.0-warnme.tar.gz", "yes"),
        ("d", "0.1", "d-0.1-allowme.zip", "no"),
        ("e", "0.1", "e-0.1-errme.tar.gz", "yes"),  # scanner error → block (fail closed)
        ("f", "0.1", "f-0.1-crash-blockme.tar.gz", "yes"),  # makes its batch crash
        ("g", "0.1", "g-0.1-allowme.tar.gz", "yes"),
    ]
    lines = ["# test corpus", "local_path\tname\tversion\tpath_in_repo\tkind\tsha256\tsize\text_ok"]
    for name, ver, fn, ok in mal_rows:
        p = mal / name / ver / fn
        p.parent.mkdir(parents=True)
        p.write_bytes(b"not an archive")
        lines.append(f"{name}/{ver}/{fn}\t{name}\t{ver}\t{name}/{ver}/{fn}\ttar.gz\t0\t14\t{ok}")
    (mal / "MANIFEST.tsv").write_text("\n".join(lines) + "\n")

    ben_rows = [
        ("good", "1", "good-1-allowme.tar.gz", "sdist"), ("good", "1", "good-1-allowme-py3-none-any.whl", "wheel"),
        ("half", "1", "half-1-allowme.tar.gz", "sdist"), ("half", "1", "half-1-blockme-py3-none-any.whl", "wheel"),
        ("warny", "1", "warny-1-warnme.tar.gz", "sdist"), ("warny", "1", "warny-1-allowme-py3-none-any.whl", "wheel"),
        ("gone", "1", "gone-1.tar.gz", "sdist"),  # listed but missing on disk
    ]
    lines = ["name\tversion\tfilename\tkind\tsha256\tsize"]
    for name, ver, fn, kind in ben_rows:
        if name != "gone":
            p = ben / name / fn
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b"x")
        lines.append(f"{name}\t{ver}\t{fn}\t{kind}\t0\t1")
    ben.mkdir(exist_ok=True)
    (ben / "manifest.tsv").write_text("\n".join(lines) + "\n")
    return mal, ben


class EvaluateTest(unittest.TestCase):
    def run_eval(self, *extra: str) -> tuple[int, dict, str]:
        with tempfile.TemporaryDirectory() as td:
            td = Path(td)
            mal, ben = make_corpora(td)
            out = td / "out.json"
            buf, err = io.StringIO(), io.StringIO()
            # "allowme"/"warnme" names avoid the crc32 fallback: every verdict is fixed.
            with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
                rc = evaluate.main(["--scanner", FAKE, "--malicious", str(mal), "--benign", str(ben),
                                    "--json", str(out), "--batch", "3", *extra])
            return rc, json.loads(out.read_text()), buf.getvalue()

    def test_metrics(self):
        rc, m, text = self.run_eval()
        self.assertEqual(rc, 2, "a manifest file missing on disk is a harness failure")
        mm = m["malicious"]
        self.assertEqual(mm["all"]["packages"], 7)
        # blocked: a, b, e (error → block), f (its crashing batch is re-run alone, and crashes again)
        # f crashes even alone, so it has no result: 6 scanned, 3 blocked (a, b, e)
        self.assertEqual(mm["harness_failures"], 1)
        self.assertEqual(mm["all"]["recall"], {"count": 3, "total": 6, "rate": 0.5})
        self.assertEqual(mm["ext_ok"]["recall"]["total"], 5)  # d is ext_ok=no
        self.assertEqual(mm["ext_ok"]["recall"]["count"], 3)
        self.assertEqual(mm["all"]["warn_rate"]["count"], 1)  # c
        self.assertEqual(mm["scan_errors"], 1)  # e

        b = m["benign"]
        self.assertEqual(b["packages"], 4)
        self.assertEqual(b["packages_scanned"], 3)  # "gone" has no file
        self.assertEqual(b["false_block_packages"]["count"], 1)  # half
        self.assertEqual(b["false_block_files"], {"count": 1, "total": 6, "rate": 1 / 6})
        self.assertEqual(b["warn_packages"]["count"], 1)  # warny
        self.assertEqual(b["warn_files"]["count"], 1)

        alerts = {r["id"]: r for r in m["alerts"]}
        self.assertEqual(alerts["install-network"]["malicious_packages"], 2)
        self.assertEqual(alerts["install-network"]["benign_packages"], 1)
        self.assertEqual(alerts["install-network"]["benign_files"], 1)
        self.assertEqual(alerts["obfuscation-base64"]["benign_files"], 1)
        self.assertEqual(m["alerts"][0]["id"], "install-network")  # critical first

        missed = {x["package"] for x in m["missed_malicious"]}
        self.assertEqual(missed, {"c 2.0", "d 0.1", "f 0.1", "g 0.1"})
        fb = m["blocked_benign"]
        self.assertEqual([x["package"] for x in fb], ["half"])
        a = fb[0]["files"][0]["alerts"][0]
        self.assertEqual(a["id"], "install-network")
        self.assertTrue(a["where"].endswith("setup.py:12"))
        self.assertIn("urlopen", a["evidence"])

        self.assertEqual(len(m["failures"]), 2)  # f crashed, gone missing
        self.assertEqual(m["tool"]["version"], "0.0.0-fake")
        self.assertIn("recall (blocked packages)", text)
        self.assertIn("== blocked benign packages (1) ==", text)

    def test_limit_and_side(self):
        rc, m, _ = self.run_eval("--limit", "2", "--side", "malicious")
        self.assertEqual(rc, 0)
        self.assertEqual(m["malicious"]["all"]["packages"], 2)
        self.assertEqual(m["malicious"]["all"]["recall"]["count"], 2)
        self.assertEqual(m["benign"]["files"], 0)

    def test_missing_scanner_is_harness_error(self):
        with tempfile.TemporaryDirectory() as td:
            mal, _ben = make_corpora(Path(td))
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                rc = evaluate.main(["--scanner", "/nonexistent/safe-pip", "--malicious", str(mal),
                                    "--side", "malicious", "--limit", "1"])
            self.assertEqual(rc, 2)


if __name__ == "__main__":
    unittest.main()
