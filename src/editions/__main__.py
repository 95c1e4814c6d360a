"""The `editions` command: the CLI, with a Ctrl-C while it is still starting up reported too."""

from __future__ import annotations

import sys


def run() -> None:
    """Load the CLI and run it; the CLI reports Ctrl-C itself once it is loaded."""
    try:
        from editions.cli import main
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)  # noqa: T201 (no logging is set up yet)
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
