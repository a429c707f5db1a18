#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) each, from seeds built out of the
# project's own fixtures. Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`). Crashes land in fuzz/artifacts/TARGET/; each one found
# becomes a regression test in the crate. Prints one summary line per target.
#   fuzz/run.sh 600              # ten minutes per target
#   fuzz/run.sh 60 lockfiles     # one target
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(scan_archive python_module payload_decode index_pages lockfiles settings)

python3 - <<'PY'
import io, pathlib, tarfile, zipfile
root = pathlib.Path("..")
seeds = pathlib.Path("seeds")
def put(target, name, data):
    d = seeds / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)
for f in sorted((root / "tests/fixtures/lockfiles").rglob("*")):
    if f.is_file():
        put("lockfiles", f.name, f.read_bytes())
for f in sorted((root / "examples").glob("*.toml")):
    put("settings", f.name, f.read_bytes())
put("settings", "decision.toml", b'[tool.safe-pip]\nunverified = "warn"\n[[tool.safe-pip.decision]]\npackage = "six==1.0"\naction = "allow"\nalerts = ["network-access"]\nreason = "ok"\nby = "a"\ndate = "2026-01-01"\n')
put("index_pages", "page.html", b'<!DOCTYPE html><html><body><a href="../../f/demo-1.0.tar.gz#sha256=00" data-requires-python="&gt;=3.8" data-yanked="">demo-1.0.tar.gz</a></body></html>')
put("index_pages", "page.json", b'{"meta":{"api-version":"1.1"},"name":"demo","versions":["1.0"],"files":[{"filename":"demo-1.0-py3-none-any.whl","url":"/f/demo-1.0-py3-none-any.whl","hashes":{"sha256":"00"},"core-metadata":{"sha256":"11"},"upload-time":"2020-01-02T03:04:05Z","size":10}]}')
put("payload_decode", "b64", b"aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2VjaG8gaGknKQ==")
put("payload_decode", "hex", b"696d706f7274206f73")
sources = sorted((root / "python/safe_pip").rglob("*.py"))[:20]
for i, f in enumerate(sources):
    put("python_module", f"m{i}.py", bytes([i % 2]) + f.read_bytes())
wheel = io.BytesIO()
with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
    for i, f in enumerate(sources[:5]):
        z.writestr(f"fz/m{i}_{f.name}", f.read_bytes())
    z.writestr("fz-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: fz\nVersion: 1.0\n")
put("scan_archive", "wheel", bytes([0]) + wheel.getvalue())
nested = io.BytesIO()
with zipfile.ZipFile(nested, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("fz/vendor.zip", wheel.getvalue())
    z.writestr("fz-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: fz\nVersion: 1.0\n")
put("scan_archive", "nested", bytes([0]) + nested.getvalue())
sdist = io.BytesIO()
with tarfile.open(fileobj=sdist, mode="w:gz") as t:
    for i, f in enumerate(sources[:5]):
        data = f.read_bytes()
        info = tarfile.TarInfo(f"fz-1.0/m{i}_{f.name}")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
put("scan_archive", "sdist", bytes([1]) + sdist.getvalue())
PY

for t in "${TARGETS[@]}"; do
    log="$(mktemp)"
    status=0
    cargo +nightly fuzz run "$t" "seeds/$t" -- -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=4096 -timeout=60 -print_final_stats=1 >"$log" 2>&1 || status=$?
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    crashes=$(find "artifacts/$t" -type f 2>/dev/null | wc -l)
    echo "$t: ${SECONDS_PER_TARGET}s, ${runs} executions, exit ${status}, ${crashes} crash/timeout/oom files in artifacts/$t"
    [ "$status" -eq 0 ] || tail -40 "$log"
    rm -f "$log"
done
