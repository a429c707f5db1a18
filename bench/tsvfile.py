"""Tab-separated manifests (the corpus MANIFEST.tsv, the benign cache's manifest.tsv):
`#` comment lines and blank lines skipped, the first other line is the header."""

from __future__ import annotations

from pathlib import Path


def read_tsv(path: Path) -> list[dict]:
    rows: list[dict] = []
    header = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                continue
            rows.append(dict(zip(header, cols)))
    return rows
