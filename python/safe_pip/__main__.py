"""``python -m safe_pip`` and the ``safe-pip`` console script."""

from __future__ import annotations

import sys

from safe_pip import _core


def main() -> None:
    argv = list(sys.argv)
    argv[0] = "safe-pip"
    sys.stdout.flush()
    try:
        # While a command runs, the engine handles Ctrl-C itself (message, exit 130);
        # this catches one that lands before or just after it.
        code = _core.run_cli(argv)
    except KeyboardInterrupt:
        sys.stderr.write("\nsafe-pip: interrupted (Ctrl-C)\n")
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
