"""``python -m minisql``: the minisql shell."""

from .cli import main

raise SystemExit(main())
