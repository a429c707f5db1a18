# Runs inside the target interpreter after pip installed vetted private copies:
# `python -c <this> <json>` where json is {"copies": {copy_file_url: original_url}, "paths": [...]}.
# For every installed distribution whose PEP 610 direct_url.json names one of the private
# copies (deleted when safe-pip ends), writes the original URL back (the hashes pip
# recorded stay: the bytes are the same) and updates the file's RECORD line.
# It reads .dist-info folders only; it never imports installed packages.
import base64
import hashlib
import json
import os
import sys

args = json.loads(sys.argv[1])
copies = args["copies"]
fixed = []
seen = set()
for entry in list(args.get("paths") or []) + sys.path:
    try:
        names = os.listdir(entry)
    except OSError:
        continue
    for name in names:
        if not name.endswith(".dist-info"):
            continue
        info = os.path.join(entry, name)
        path = os.path.join(info, "direct_url.json")
        if path in seen or not os.path.isfile(path):
            continue
        seen.add(path)
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        original = copies.get(data.get("url"))
        if not original:
            continue
        data["url"] = original
        text = json.dumps(data, sort_keys=True).encode("utf-8")
        with open(path, "wb") as f:
            f.write(text)
        record = os.path.join(info, "RECORD")
        digest = base64.urlsafe_b64encode(hashlib.sha256(text).digest()).rstrip(b"=").decode()
        try:
            with open(record, encoding="utf-8") as f:
                lines = f.read().splitlines()
            key = name + "/direct_url.json,"
            lines = [f"{key}sha256={digest},{len(text)}" if line.startswith(key) else line for line in lines]
            with open(record, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
        except OSError:
            pass
        fixed.append(name)
print(json.dumps({"fixed": fixed}))
