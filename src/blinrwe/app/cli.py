"""The ``blinrwe`` command line. Calls the pipeline only; user errors print without a traceback."""

from __future__ import annotations

import argparse
import sys

from blinrwe import __version__
from blinrwe.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="blinrwe", description=__doc__)
    parser.add_argument("--version", action="version", version=f"blinrwe {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the bundled example study and print where the report is")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            print("blinrwe demo: not yet wired")
        return 0
    except UserError as err:
        print(f"blinrwe: error: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
