"""The shell at a terminal (a pseudo-terminal): banner, prompts, continuation,
Ctrl-C (clears the line, interrupts a running query), Ctrl-D, history kept in
MINISQL_HISTORY, and tab completion of dot-commands, tables and columns."""
import os
import pty
import select
import time

import pytest

from test_shell_support import REPO, shell_cmd, shell_env

LONG_QUERY = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) "
              "SELECT count(*) FROM c;\n")


class Pty:
    """The shell on a pseudo-terminal; ``expect`` waits for text on it."""

    def __init__(self, args, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(str(REPO))
            cmd = shell_cmd(args)
            os.execve(cmd[0], cmd, env)
        self.buf = b""

    def read_until(self, pattern, timeout=15):
        end = time.time() + timeout
        while pattern not in self.buf:
            left = end - time.time()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; screen so far: %r"
                                     % (pattern, self.buf))
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    raise AssertionError("shell exited before %r; screen: %r"
                                         % (pattern, self.buf))
                self.buf += data
        i = self.buf.index(pattern) + len(pattern)
        seen, self.buf = self.buf[:i], self.buf[i:]
        return seen

    def send(self, data):
        os.write(self.fd, data.encode() if isinstance(data, str) else data)

    def wait(self, timeout=15):
        end = time.time() + timeout
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if r:
                try:
                    self.buf += os.read(self.fd, 65536)
                except OSError:
                    pass
        os.kill(self.pid, 9)
        raise AssertionError("shell did not exit; screen: %r" % self.buf)


@pytest.fixture
def shell(tmp_path):
    started = []

    def start(args=(), engine="sqlite3"):
        env = shell_env(engine, MINISQL_HISTORY=str(tmp_path / "history"),
                        home=str(tmp_path), TERM="dumb")
        p = Pty(list(args), env)
        started.append(p)
        return p
    yield start
    for p in started:
        try:
            os.kill(p.pid, 9)
            os.waitpid(p.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def test_banner_prompt_continuation_and_ctrl_d(shell):
    sh = shell()
    banner = sh.read_until(b"minisql> ")
    assert b"Connected to a " in banner and b"transient in-memory database" in banner
    assert b'Use ".open FILENAME" to reopen on a persistent database.' in banner
    sh.send("select 1\n")
    sh.read_until(b"   ...> ")
    sh.send("+ 41;\n")
    assert b"42\r\n" in sh.read_until(b"minisql> ")
    sh.send("selec 1;\n")
    assert b'Parse error: near "selec": syntax error' in sh.read_until(b"minisql> ")
    sh.send("\x04")                       # Ctrl-D at the prompt leaves
    assert sh.wait() == 0


def test_ctrl_c_clears_the_line_and_interrupts_a_query(shell):
    sh = shell()
    sh.read_until(b"minisql> ")
    sh.send("select 'half typed'")
    time.sleep(0.2)
    sh.send("\x03")                       # Ctrl-C abandons the line ...
    sh.read_until(b"minisql> ")
    sh.send("select 2;\n")               # ... and the shell is still there
    out = sh.read_until(b"minisql> ")
    assert b"half typed" not in out.split(b"select 2;")[1] and b"2\r\n" in out
    sh.send("select\n")                   # Ctrl-C also drops a continued statement
    sh.read_until(b"   ...> ")
    # Readline shows the prompt before it starts waiting for input; a SIGINT
    # in between is only seen at the next key (CPython's readline loop checks
    # signals when its select() is interrupted).  A person cannot type that
    # fast; a loaded test machine can, so let the shell get to its wait.
    time.sleep(0.2)
    sh.send("\x03")
    sh.read_until(b"minisql> ")
    sh.send("select 3;\n")
    assert b"3\r\n" in sh.read_until(b"minisql> ")
    sh.send(LONG_QUERY)
    sh.read_until(b"FROM c;\r\n")          # the line is in: the query is starting
    time.sleep(1.5)
    sh.send("\x03")                       # Ctrl-C stops the running query
    assert b"Runtime error: interrupted (9)" in sh.read_until(b"minisql> ", timeout=20)
    sh.send("select 4;\n")
    assert b"4\r\n" in sh.read_until(b"minisql> ")
    sh.send(".quit\n")
    assert sh.wait() == 0


def test_history_is_kept(shell, tmp_path):
    sh = shell()
    sh.read_until(b"minisql> ")
    sh.send("select 'remember me';\n")
    sh.read_until(b"minisql> ")
    sh.send("\x04")
    assert sh.wait() == 0
    assert "select 'remember me';" in (tmp_path / "history").read_text()
    sh = shell()                          # a new session recalls it with Up
    sh.read_until(b"minisql> ")
    sh.send("\x1b[A\n")
    assert b"remember me\r\n" in sh.read_until(b"minisql> ")
    sh.send("\x04")
    assert sh.wait() == 0


def test_tab_completion(shell, tmp_path):
    sh = shell([str(tmp_path / "c.db")])
    sh.read_until(b"minisql> ")
    sh.send("create table inventory(item_id, quantity);\n")
    sh.read_until(b"minisql> ")
    sh.send(".tab\t")                     # a dot-command
    sh.read_until(b".tables")
    sh.send("\n")
    assert b"inventory" in sh.read_until(b"minisql> ")
    sh.send("select quant\t from inv\t;\n")   # a column and a table
    out = sh.read_until(b"minisql> ")
    assert b"select quantity from inventory" in out
    sh.send("SEL\t 1;\n")                 # a keyword
    assert b"SELECT 1" in sh.read_until(b"minisql> ")
    sh.send("\x04")
    assert sh.wait() == 0


def test_interactive_flag_with_piped_input(tmp_path):
    import subprocess
    p = subprocess.run(shell_cmd(["-interactive", ":memory:"]), input=b"select 5;\n.quit\n",
                       capture_output=True, env=shell_env("sqlite3", home=str(tmp_path)),
                       timeout=30)
    assert b"minisql> " in p.stdout and b"5\n" in p.stdout
    p = subprocess.run(shell_cmd(["-batch", ":memory:"]), input=b"select 6;\n",
                       capture_output=True, env=shell_env("sqlite3", home=str(tmp_path)),
                       timeout=30)
    assert p.stdout == b"6\n"
