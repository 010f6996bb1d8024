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
