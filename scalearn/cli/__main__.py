"""``python -m scalearn.cli``: the same as the ``scalearn`` command."""

from scalearn.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
