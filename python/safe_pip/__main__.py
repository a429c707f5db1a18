"""``python -m safe_pip`` and the ``safe-pip`` console script."""

from __future__ import annotations

import sys

from safe_pip import _core


def main() -> None:
    argv = list(sys.argv)
    argv[0] = "safe-pip"
    sys.stdout.flush()
    sys.exit(_core.run_cli(argv))


if __name__ == "__main__":
    main()
