# Runs inside the target interpreter as `python -c <this> <pip install args...>`.
# It never imports or runs package code: only pip itself.
#
# Protocol with safe-pip (one JSON object per line, stdout lines prefixed with MARK):
# 1. prints MARK "options" with the effective `pip install` options, read by pip's own
#    parser (command line > PIP_* environment > config files), or {"error": ...};
# 2. reads one line from stdin: {"run": false, "exit": N} ends here; otherwise
#    {"run": true, "argv": [...], "env": {...}, "unset": [...], "proxy": URL-prefix,
#     "find_links": [...], "requirements_dir": DIR};
# 3. applies the environment, parses the final arguments again with pip's parser and
#    prints MARK "check": every index must be the proxy, every find-links location one
#    safe-pip vetted, every requirements file a rewritten copy, no --proxy. If not, it
#    exits with status 86 without running pip;
# 4. runs pip exactly as `python -m pip` does.
import json
import os
import sys

MARK = "@@safe-pip:"
REFUSED = 86


def emit(kind, obj):
    sys.stdout.write(MARK + kind + "@@ " + json.dumps(obj) + "\n")
    sys.stdout.flush()


def redact(url):
    if not isinstance(url, str) or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    cut = len(rest)
    for ch in "/?#":
        i = rest.find(ch)
        if i != -1:
            cut = min(cut, i)
    at = rest.rfind("@", 0, cut)
    return url if at == -1 else scheme + "://****@" + rest[at + 1:]


def effective_options(argv):
    try:
        import pip
        from pip._internal.commands import create_command
    except Exception as e:  # no pip, or a pip without this internal API
        return {"error": "cannot load pip's option parser: %s" % (e,), "pip_missing": "pip" not in sys.modules}
    try:
        opts, args = create_command("install").parse_args(list(argv))
    except SystemExit as e:  # pip printed its own usage error (or --help)
        return {"exit": e.code if isinstance(e.code, int) else 2}
    except Exception as e:
        return {"error": "pip's option parser failed: %s" % (e,)}
    get = lambda name, default=None: getattr(opts, name, default)
    return {
        "pip_version": getattr(pip, "__version__", "?"),
        "index_url": get("index_url"),
        "extra_index_urls": list(get("extra_index_urls") or []),
        "find_links": list(get("find_links") or []),
        "no_index": bool(get("no_index")),
        "trusted_hosts": list(get("trusted_hosts") or []),
        "cert": get("cert"),
        "client_cert": get("client_cert"),
        "proxy": get("proxy") or None,
        "timeout": get("timeout"),
        "retries": get("retries"),
        "isolated": bool(get("isolated_mode")),
        "requirements": list(get("requirements") or []),
        "constraints": list(get("constraints") or []),
        "build_constraints": list(get("build_constraints") or []),
        "editables": list(get("editables") or []),
        "args": list(args),
    }


def check(msg, o):
    if "error" in o or "exit" in o:
        return {"ok": False, "problems": ["pip's parser could not re-read the final arguments: %s" % o]}
    problems = []
    prefix = msg.get("proxy") or ""
    if not o["no_index"]:
        for u in [o["index_url"]] + o["extra_index_urls"]:
            if not prefix or not str(u).startswith(prefix):
                problems.append("index %s is not the safe-pip proxy" % redact(u))
    allowed = set(msg.get("find_links") or [])
    for f in o["find_links"]:
        if f not in allowed:
            problems.append("find-links location %s was not vetted" % redact(f))
    if o["proxy"]:
        problems.append("--proxy %s would carry pip's traffic" % redact(o["proxy"]))
    rdir = msg.get("requirements_dir") or ""
    for f in o["requirements"] + o["constraints"] + o["build_constraints"]:
        if not rdir or not os.path.abspath(f).startswith(rdir):
            problems.append("requirements file %s was not rewritten" % f)
    return {"ok": not problems, "problems": problems}


def main():
    argv = sys.argv[1:]
    emit("options", effective_options(argv))
    line = sys.stdin.readline()
    msg = json.loads(line) if line.strip() else {"run": False, "exit": 2}
    if not msg.get("run"):
        sys.exit(msg.get("exit", 0))
    # pip and the build processes it starts must not read safe-pip's control pipe.
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdin = open(os.devnull)
    for k in msg.get("unset") or []:
        os.environ.pop(k, None)
    os.environ.update(msg.get("env") or {})
    final = msg["argv"]
    if msg.get("verify", True):
        result = check(msg, effective_options(final[1:]))
        emit("check", result)
        if not result["ok"]:
            sys.exit(REFUSED)
    else:
        emit("check", {"ok": True, "skipped": True})
    import runpy

    sys.argv = ["pip"] + final
    runpy.run_module("pip", run_name="__main__", alter_sys=True)


try:
    main()
except KeyboardInterrupt:
    # Ctrl-C while safe-pip was still checking: safe-pip reports it; no traceback here.
    sys.exit(130)
