"""The minisql shell's entry point: ``minisql [OPTIONS] [FILENAME [SQL...]]``.

The shell itself lives in ``minisql.shell`` (modes, dot-commands, the input
loop, the terminal); see ``minisql.shell.app`` for options and exit codes.
"""


def main(argv=None, dbapi=None):
    """Run the shell; returns the exit status.  ``dbapi`` is the DB-API
    module to use (default: minisql, or $MINISQL_SHELL_DBAPI)."""
    from .shell.app import run
    return run(argv, dbapi)


if __name__ == "__main__":
    raise SystemExit(main())
