"""The ``scalearn`` command line.

Each subcommand lives in its own module, which provides ``NAME``, ``HELP``,
``DESCRIPTION``, ``add_arguments(parser)`` and ``run(args) -> int``; adding the
module to ``_COMMANDS`` makes it available as ``scalearn NAME``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import scalearn
from scalearn.cli import _demo, _predict

_COMMANDS = (_demo, _predict)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``scalearn``, with one subparser per subcommand.

    Examples
    --------
    >>> build_parser().parse_args(["demo", "--rows", "5000"]).rows
    5000
    """
    parser = argparse.ArgumentParser(
        prog="scalearn",
        description="scikit-learn at any scale, on Dask.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {scalearn.__version__}"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in _COMMANDS:
        sub = subparsers.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.DESCRIPTION,
        )
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``scalearn`` with the arguments ``argv`` (default: ``sys.argv[1:]``).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name.

    Returns
    -------
    int
        The exit code: 0 on success, 1 on failure, 2 without a command, 130
        when interrupted. Invalid arguments exit through argparse
        (``SystemExit`` with code 2), as usual for a command line.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(f"scalearn {args.command}: interrupted", file=sys.stderr)
        return 130
