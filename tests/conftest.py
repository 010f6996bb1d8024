"""Shared pytest configuration.

Long torture runs and benchmarks are marked ``slow`` and run only with
``--runslow`` (see README, "Running the long tests").
"""
import pytest


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run the long torture tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="long torture run: needs --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    """Print the lines tests attach as ("summary", text) user properties, e.g.
    the sqllogictest pass count of each file."""
    lines = []
    for reports in terminalreporter.stats.values():
        for rep in reports:
            if getattr(rep, "when", None) != "call":
                continue
            lines += [(rep.nodeid, value) for name, value in rep.user_properties
                      if name == "summary"]
    if lines:
        terminalreporter.section("summaries")
        for _, value in sorted(lines):
            terminalreporter.write_line(value)
