"""Interactive input: prompts, readline editing, history and completion.

History lives in ~/.minisql_history (or $MINISQL_HISTORY; an empty value
turns it off).  Tab completes dot-commands at the start of a line, then
SQL keywords, table names and column names (``table.col`` too); the names
are read from the schema again only when PRAGMA schema_version moves.
"""

import os
import sys

from . import dot
from .core import CANCEL
from .sqltext import KEYWORDS

try:
    import readline
except ImportError:               # a Python built without readline
    readline = None

_DELIMS = " \t\n`~!@#$%^&*()=+[{]}\\|;:'\",<>/?"


def history_path():
    env = os.environ.get("MINISQL_HISTORY")
    if env is not None:
        return env or None
    return os.path.join(os.path.expanduser("~"), ".minisql_history")


class Terminal:
    def __init__(self, sh):
        self.sh = sh
        self.schema_version = None
        self.tables = {}
        self.matches = []
        self.history = history_path()
        self.uses_readline = readline is not None and sys.stdin.isatty()
        if self.uses_readline:
            readline.set_completer(self.complete)
            readline.set_completer_delims(_DELIMS)
            if "libedit" in (readline.__doc__ or ""):
                readline.parse_and_bind("bind ^I rl_complete")
            else:
                readline.parse_and_bind("tab: complete")
            readline.set_history_length(2000)
            if self.history and os.path.exists(self.history):
                try:
                    readline.read_history_file(self.history)
                except OSError:
                    pass

    def close(self):
        if self.uses_readline and self.history:
            try:
                readline.write_history_file(self.history)
            except OSError:
                pass

    def read_line(self, continuation):
        """The next line typed; None at end of input (Ctrl-D); CANCEL when
        Ctrl-C abandoned the statement being typed."""
        sh = self.sh
        sh.out.flush()
        sh.stdout.flush()
        prompt = sh.prompts[1 if continuation else 0]
        try:
            line = input(prompt)
        except EOFError:
            sh.stdout.write("\n")
            sh.stdout.flush()
            return None
        except KeyboardInterrupt:
            sh.stdout.write("^C\n" if not self.uses_readline else "\n")
            sh.stdout.flush()
            return CANCEL
        return line

    # -- completion ----------------------------------------------------------

    def _refresh_schema(self):
        conn = self.sh.conn
        if conn is None:
            return
        try:
            version = conn.execute("PRAGMA schema_version").fetchone()[0]
            if version == self.schema_version:
                return
            tables = {}
            for (name,) in conn.execute(
                    "SELECT name FROM sqlite_schema WHERE type IN ('table','view')").fetchall():
                tables[name] = [r[1] for r in conn.execute(
                    "PRAGMA table_info(%s)" % ("'" + name.replace("'", "''") + "'"))]
            self.tables = tables
            self.schema_version = version
        except Exception:        # completion must never break the prompt
            pass

    def candidates(self, text, line, begidx):
        if line[:begidx].strip() == "" and text.startswith("."):
            return [c for c in dot.names_for_completion() if c.startswith(text)]
        self._refresh_schema()
        if "." in text:
            table, _, col = text.rpartition(".")
            for name, cols in self.tables.items():
                if name.lower() == table.lower():
                    return [table + "." + c for c in cols if c.lower().startswith(col.lower())]
            return []
        low = text.lower()
        words = []
        for kw in sorted(KEYWORDS):
            if kw.lower().startswith(low):
                words.append(kw.lower() if text and text[0].islower() else kw)
        names = set()
        for name, cols in self.tables.items():
            if name.lower().startswith(low):
                names.add(name)
            for c in cols:
                if c.lower().startswith(low):
                    names.add(c)
        return sorted(names) + words

    def complete(self, text, state):
        if state == 0:
            try:
                self.matches = self.candidates(text, readline.get_line_buffer(),
                                               readline.get_begidx())
            except Exception:
                self.matches = []
        return self.matches[state] if state < len(self.matches) else None
