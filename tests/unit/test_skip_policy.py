"""The CI policy of tests/conftest.py: with STEPCALC_REQUIRE_TOOLS=1 nothing may skip."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = (Path(__file__).resolve().parents[1] / "conftest.py").read_text()

TESTS = '''
import pytest
from conftest import require_tool

def test_plain_skip():
    pytest.skip("not here")

def test_missing_tool():
    require_tool("stepcalc-no-such-tool")

@pytest.mark.platform_skip
def test_platform_skip():
    pytest.skip("not on this platform")

@pytest.mark.skipif(True, reason="marker skip")
def test_marker_skip():
    pass

@pytest.mark.xfail(reason="known")
def test_expected_failure():
    assert False

def test_passes():
    pass
'''


@pytest.fixture
def suite(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_policy=TESTS)
    return pytester


def test_locally_missing_tools_skip(suite, monkeypatch):
    monkeypatch.delenv("STEPCALC_REQUIRE_TOOLS", raising=False)
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:stepcalc",
                                        "--import-mode=importlib", "-o", "pythonpath=.")
    result.assert_outcomes(passed=1, skipped=4, xfailed=1)


def test_in_ci_every_skip_fails_but_a_platform_skip(suite, monkeypatch):
    monkeypatch.setenv("STEPCALC_REQUIRE_TOOLS", "1")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:stepcalc",
                                        "--import-mode=importlib", "-o", "pythonpath=.", "-rfs")
    # A skip in setup (a skipif marker) is reported as an error, one in the test as a failure.
    result.assert_outcomes(passed=1, failed=2, errors=1, skipped=1, xfailed=1)
    result.stdout.fnmatch_lines(["*stepcalc-no-such-tool is not installed*nothing may skip*"])


def test_a_skip_while_collecting_fails_in_ci(pytester, monkeypatch):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_gone='import pytest\npytest.importorskip("stepcalc_no_such_module")\n')
    monkeypatch.setenv("STEPCALC_REQUIRE_TOOLS", "1")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:stepcalc")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*skipped while collecting*nothing may skip*"])
