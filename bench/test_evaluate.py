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
import families  # noqa: E402

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
        ("warny", "1", "warny-1-warnme.tar.gz", "sdist"),
        ("warny", "1", "warny-1-allowme-py3-none-any.whl", "wheel"),
        ("nice", "1", "nice-1-blockme.tar.gz", "sdist"),  # benign_split("nice") == "validate"
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

    # families: a, b, c tune; d, e, f, g validate
    lines = ["# test families", "local_path\tname\tversion\tfamily\tsplit"]
    for name, ver, fn, _ok in mal_rows:
        lines.append(f"{name}/{ver}/{fn}\t{name}\t{ver}\t{'a' if name in 'abc' else 'd'}\t"
                     f"{'tune' if name in 'abc' else 'validate'}")
    (root / "families.tsv").write_text("\n".join(lines) + "\n")
    return mal, ben


class EvaluateTest(unittest.TestCase):
    def run_eval(self, *extra: str, families: str | None = "none") -> tuple[int, dict, str]:
        with tempfile.TemporaryDirectory() as td:
            td = Path(td)
            mal, ben = make_corpora(td)
            out = td / "out.json"
            buf, err = io.StringIO(), io.StringIO()
            fam = ["--families", str(td / "families.tsv") if families == "file" else families]
            # "allowme"/"warnme" names avoid the crc32 fallback: every verdict is fixed.
            with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
                rc = evaluate.main(["--scanner", FAKE, "--malicious", str(mal), "--benign", str(ben),
                                    "--json", str(out), "--batch", "3", *fam, *extra])
            return rc, (json.loads(out.read_text()) if out.exists() else {}), buf.getvalue()

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
        self.assertEqual(b["packages"], 5)
        self.assertEqual(b["packages_scanned"], 4)  # "gone" has no file
        self.assertEqual(b["false_block_packages"]["count"], 2)  # half, nice
        self.assertEqual(b["false_block_files"], {"count": 2, "total": 7, "rate": 2 / 7})
        self.assertEqual(b["warn_packages"]["count"], 1)  # warny
        self.assertEqual(b["warn_files"]["count"], 1)

        alerts = {r["id"]: r for r in m["alerts"]}
        self.assertEqual(alerts["install-network"]["malicious_packages"], 2)
        self.assertEqual(alerts["install-network"]["benign_packages"], 2)
        self.assertEqual(alerts["install-network"]["benign_files"], 2)
        self.assertEqual(alerts["obfuscation-base64"]["benign_files"], 1)
        self.assertEqual(m["alerts"][0]["id"], "install-network")  # critical first

        missed = {x["package"] for x in m["missed_malicious"]}
        self.assertEqual(missed, {"c 2.0", "d 0.1", "f 0.1", "g 0.1"})
        fb = m["blocked_benign"]
        self.assertEqual([x["package"] for x in fb], ["half", "nice"])
        a = fb[0]["files"][0]["alerts"][0]
        self.assertEqual(a["id"], "install-network")
        self.assertTrue(a["where"].endswith("setup.py:12"))
        self.assertIn("urlopen", a["evidence"])

        self.assertEqual(len(m["failures"]), 2)  # f crashed, gone missing
        self.assertEqual(m["tool"]["version"], "0.0.0-fake")
        self.assertIn("recall (blocked packages)", text)
        self.assertIn("== blocked benign packages (2) ==", text)
        # without a families file the malicious side has no parts; the benign side always has
        self.assertEqual(m["unsplit_files"]["malicious"], 7)
        self.assertEqual(m["splits"]["tune"]["malicious"]["files"], 0)
        self.assertEqual(m["splits"]["validate"]["benign"]["packages"], 1)  # nice

    def test_split_reporting(self):
        self.assertEqual([families.benign_split(n) for n in ("good", "half", "warny", "gone", "nice")],
                         ["tune"] * 4 + ["validate"])
        rc, m, text = self.run_eval(families="file")
        self.assertEqual(rc, 2)
        # the 'all' figures do not change with a families file
        self.assertEqual(m["malicious"]["all"]["recall"], {"count": 3, "total": 6, "rate": 0.5})
        self.assertEqual(m["unsplit_files"], {"malicious": 0, "benign": 0})
        t, v = m["splits"]["tune"], m["splits"]["validate"]
        # tune: a, b blocked, c warned
        self.assertEqual(t["malicious"]["all"]["recall"], {"count": 2, "total": 3, "rate": 2 / 3})
        self.assertEqual(t["malicious"]["all"]["warn_rate"]["count"], 1)
        self.assertEqual(t["malicious"]["all"]["file_recall"]["count"], 2)
        # validate: d, g allowed, e blocked (error), f no result
        self.assertEqual(v["malicious"]["all"]["recall"], {"count": 1, "total": 3, "rate": 1 / 3})
        self.assertEqual(v["malicious"]["all"]["packages"], 4)
        self.assertEqual(v["malicious"]["ext_ok"]["recall"]["total"], 2)  # d is ext_ok=no
        self.assertEqual(v["malicious"]["harness_failures"], 1)
        # benign: tune good, half (blocked), warny (warned), gone (no file); validate nice (blocked)
        self.assertEqual(t["benign"]["false_block_packages"], {"count": 1, "total": 3, "rate": 1 / 3})
        self.assertEqual(t["benign"]["warn_packages"]["count"], 1)
        self.assertEqual(t["benign"]["false_block_files"], {"count": 1, "total": 6, "rate": 1 / 6})
        self.assertEqual(v["benign"]["false_block_packages"], {"count": 1, "total": 1, "rate": 1.0})
        self.assertEqual(v["benign"]["warn_files"]["count"], 0)
        # every file and every listed package carries its split
        splits = {(f["side"], f["package"]): f["split"] for f in m["files"]}
        self.assertEqual(splits[("malicious", "a 1.0")], "tune")
        self.assertEqual(splits[("malicious", "g 0.1")], "validate")
        self.assertEqual(splits[("benign", "nice")], "validate")
        self.assertEqual(splits[("benign", "half")], "tune")
        self.assertEqual({x["package"]: x["split"] for x in m["missed_malicious"]},
                         {"c 2.0": "tune", "d 0.1": "validate", "f 0.1": "validate", "g 0.1": "validate"})
        self.assertEqual({x["package"]: x["split"] for x in m["blocked_benign"]}, {"half": "tune", "nice": "validate"})
        # the text gives all / tune / validate on each headline line
        line = next(x for x in text.splitlines() if x.startswith("recall (blocked packages)"))
        self.assertIn("50.00%", line)
        self.assertIn("66.67%", line)
        self.assertIn("33.33%", line)
        self.assertRegex(text, r"all\s+tune\s+validate")
        line = next(x for x in text.splitlines() if x.startswith("false-block rate per package"))
        self.assertIn("(2/4)", line)
        self.assertIn("(1/3)", line)
        self.assertIn("(1/1)", line)

    def test_split_filter(self):
        rc, m, text = self.run_eval("--split", "validate", families="file")
        self.assertEqual(rc, 2)  # f still has no result
        self.assertEqual(m["split_filter"], "validate")
        self.assertEqual(m["malicious"]["all"]["packages"], 4)
        self.assertEqual(m["malicious"]["all"]["recall"], {"count": 1, "total": 3, "rate": 1 / 3})
        self.assertEqual(m["benign"]["packages"], 1)
        self.assertEqual({f["split"] for f in m["files"]}, {"validate"})
        self.assertIn("only the validate part", text)

        rc, m, _ = self.run_eval("--split", "tune", "--limit", "2", families="file")
        self.assertEqual(rc, 0)  # gone is in tune but past --limit 2 (good, half)
        self.assertEqual(m["malicious"]["all"]["packages"], 2)
        self.assertEqual({f["package"] for f in m["files"] if f["side"] == "malicious"}, {"a 1.0", "b 1.0"})
        self.assertEqual({f["package"] for f in m["files"] if f["side"] == "benign"}, {"good", "half"})

    def test_split_needs_families(self):
        rc, m, _ = self.run_eval("--split", "tune")  # --families none
        self.assertEqual(rc, 2)
        self.assertEqual(m, {})
        rc, _m, _ = self.run_eval(families="/nonexistent/families.tsv")
        self.assertEqual(rc, 2)

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
