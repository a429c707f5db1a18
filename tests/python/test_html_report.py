"""`--format html` of `check`, `scan`, `diff` and `audit`, read the way a browser reads it:
the CLI runs on fixtures built here (sdists, a requirements file in a folder whose name is
markup, a site-packages folder written by hand), and the page is parsed with the standard
library's html.parser. Hostile text from a package or a path must come out as text, never
as a tag; the page must load nothing from anywhere (no external src/href, CSP
`default-src 'none'`). Nothing is installed or run."""

from __future__ import annotations

import base64
import hashlib
import pathlib
from html.parser import HTMLParser

from conftest import run_cli
from fixtures_index import build_sdist

HOSTILE = "<script>alert(1)</script>"

# install-time network (blocked) with markup in its URL, which the evidence quotes
CANARY_SETUP = (
    "import urllib.request\nfrom setuptools import setup\n"
    f"urllib.request.urlopen('http://127.0.0.1:9/{HOSTILE}')\n"
    "setup(name='canary-pkg', version='1.0')\n"
)
CLEAN_SETUP = "from setuptools import setup\nsetup(name='tidy-numbers', version='{v}', packages=['tidy_numbers'])\n"


class Page(HTMLParser):
    """Every start tag with its attributes, the text, and the package rows."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)

    def rows(self) -> dict[str, str]:
        """data-name → data-status of every package row."""
        return {a["data-name"]: a["data-status"] for t, a in self.tags if t == "tbody" and "data-name" in a}

    def assert_self_contained(self) -> None:
        assert [t for t, _ in self.tags].count("script") == 1, "only the page's own script"
        for tag, attrs in self.tags:
            assert "src" not in attrs or tag == "script" and attrs["src"] == "", (tag, attrs)
            for key in ("src", "href", "action", "srcset", "poster", "data"):
                value = attrs.get(key, "").strip().lower()
                assert not value.startswith(("http:", "https:", "//", "ftp:")), (tag, key, value)
            assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        csp = [a.get("content", "") for t, a in self.tags if t == "meta" and a.get("http-equiv", "").lower() == "content-security-policy"]
        assert csp and csp[0].startswith("default-src 'none'"), csp
        assert not any(t in ("link", "img", "iframe", "object", "embed", "base") for t, _ in self.tags)


def sha(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fixtures(tmp_path: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path, pathlib.Path]:
    dist = tmp_path / "dist"
    dist.mkdir()
    canary = build_sdist(dist, "canary-pkg", "1.0", {"setup.py": CANARY_SETUP})
    old = build_sdist(dist, "tidy-numbers", "1.0", {"setup.py": CLEAN_SETUP.format(v="1.0"), "tidy_numbers/__init__.py": "X = 1\n"})
    new = build_sdist(
        dist,
        "tidy-numbers",
        "2.0",
        {"setup.py": CLEAN_SETUP.format(v="2.0").replace("from setuptools", "import urllib.request\nurllib.request.urlopen('http://203.0.113.9/x')\nfrom setuptools")},
    )
    return dist, canary, old, new


def test_scan_and_check_pages_show_packages_alerts_and_keep_markup_as_text(tmp_path: pathlib.Path) -> None:
    dist, canary, old, _ = fixtures(tmp_path)
    proc = run_cli("scan", "--format", "html", str(canary), str(old))
    assert proc.returncode == 1, proc.stderr
    page = Page(proc.stdout)
    page.assert_self_contained()
    assert page.rows() == {"canary-pkg": "blocked", "tidy-numbers": "allowed"}
    assert "install-network" in page.all_text and HOSTILE in page.all_text, "the evidence, as text"

    # the DB now knows both files: check judges a lockfile in a folder whose name is markup
    project = tmp_path / "a<b>c"
    project.mkdir()
    req = project / "requirements.txt"
    req.write_text(f"canary-pkg==1.0 --hash=sha256:{sha(canary)}\ntidy-numbers==1.0 --hash=sha256:{sha(old)}\nreqeusts==2.0\n")
    proc = run_cli("check", "--format", "html", str(req))
    assert proc.returncode == 1, proc.stderr
    page = Page(proc.stdout)
    page.assert_self_contained()
    assert page.rows() == {"canary-pkg": "blocked", "tidy-numbers": "allowed", "reqeusts": "blocked"}
    assert str(req) in page.all_text, "the path, <b> included, is text"
    assert "typosquat" in page.all_text and "requests" in page.all_text, "the typosquat and what it imitates"
    assert HOSTILE in page.all_text
    assert "canary-pkg-1.0.tar.gz" in page.all_text, "history from the verdict DB"


def test_diff_page_shows_the_behaviour_change_of_an_update(tmp_path: pathlib.Path) -> None:
    dist, canary, old, new = fixtures(tmp_path)
    assert run_cli("scan", str(dist)).returncode == 1
    base = tmp_path / "base.txt"
    head = tmp_path / "head.txt"
    base.write_text(f"tidy-numbers==1.0 --hash=sha256:{sha(old)}\n")
    head.write_text(f"tidy-numbers==2.0 --hash=sha256:{sha(new)}\ncanary-pkg==1.0 --hash=sha256:{sha(canary)}\n")
    proc = run_cli("diff", "--format", "html", str(base), str(head))
    assert proc.returncode == 1, proc.stderr
    page = Page(proc.stdout)
    page.assert_self_contained()
    assert page.rows() == {"canary-pkg": "blocked", "tidy-numbers": "blocked"}
    text = page.all_text
    assert "1.0 → 2.0" in text and "Behaviour change" in text
    assert "2.0 adds install-network" in text, text
    assert "Recommendation: Do not merge" in text
    assert HOSTILE in text


def test_audit_page_lists_the_tampered_distribution_first(tmp_path: pathlib.Path) -> None:
    site = tmp_path / "site-packages"
    files = {"tinypkg/__init__.py": b"VALUE = 1\n", "tinypkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n"}
    record = []
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{rel},sha256={digest},{len(data)}")
    (site / "tinypkg-1.0.dist-info/RECORD").write_text("\n".join(record) + "\ntinypkg-1.0.dist-info/RECORD,,\n")
    (site / "tinypkg/__init__.py").write_text("import os\nVALUE = os.system('true')\n")
    (site / "zz-hook.pth").write_text(f"import tinypkg  # {HOSTILE}\n")
    proc = run_cli("audit", "--site-packages", str(site), "--format", "html")
    assert proc.returncode == 1, proc.stderr
    page = Page(proc.stdout)
    page.assert_self_contained()
    assert page.rows() == {"tinypkg": "tampered"}
    text = page.all_text
    assert "tinypkg/__init__.py" in text and "changed since install" in text
    assert f"import tinypkg  # {HOSTILE}" in text and "no installed distribution lists this file" in text
