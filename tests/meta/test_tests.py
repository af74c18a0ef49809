"""Rules for the tests themselves: every test checks something, and tests share through helpers.

A test that only runs code can fail only by raising (or by hanging), so it cannot tell right from
wrong behaviour. A test module that imports another runs that module's fixtures and tests in a second
place, so shared fixtures live in a conftest or a helper module (`tests/e2e/venting_helpers.py`).
These checks read the test files with `ast`, not by running them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
# Helpers with these names are checks by convention: they assert inside, so calling one counts.
CHECKING_HELPERS = ("assert_", "expect_", "check_")
PYTEST_CHECKS = {"raises", "warns"}

Function = ast.FunctionDef | ast.AsyncFunctionDef


def collected_tests(tree: ast.Module) -> Iterator[Function]:
    """The functions pytest collects: `test*` at module level, and `test*` methods of `Test*` classes."""
    for node in tree.body:
        if isinstance(node, Function) and node.name.startswith("test"):
            yield node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            yield from (n for n in node.body if isinstance(n, Function) and n.name.startswith("test"))


def called_name(call: ast.Call) -> str:
    """The name a call uses: `f` for `f(...)`, `m` for `x.y.m(...)`; empty for anything else."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


def is_pytest_check(call: ast.Call) -> bool:
    """`pytest.raises(...)` or `pytest.warns(...)`, as a context manager or called directly."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "pytest"
        and func.attr in PYTEST_CHECKS
    )


def checks_something(function: Function) -> bool:
    """Whether a test function's body (nested functions included) holds at least one check.

    A check is any of:
    - an `assert` statement;
    - a call to `pytest.raises` or `pytest.warns`;
    - a call to a helper whose name starts with `assert_`, `expect_` or `check_` (by convention it
      asserts inside), whether called as `name(...)` or `obj.name(...)`.
    Nothing else counts: not a hang guard such as `asyncio.wait_for`, and not a helper with another
    name that happens to assert inside (assert in the test, or give the helper a checking name).
    """
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call) and (is_pytest_check(node) or called_name(node).startswith(CHECKING_HELPERS)):
            return True
    return False


def silent_tests(path: Path) -> list[str]:
    """The test functions in one file that check nothing, by name and line."""
    tree = ast.parse(path.read_text("utf-8"))
    return [f"{f.name} (line {f.lineno})" for f in collected_tests(tree) if not checks_something(f)]


def imports_of_test_modules(path: Path) -> list[str]:
    """The test modules (`test_*`) a file imports from."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return sorted({m for m in found if any(part.startswith("test_") for part in m.split("."))})


def test_every_test_checks_something():
    files = sorted(TESTS.rglob("test_*.py"))
    assert len(files) > 10, "the rule must have test files to read"
    bad = {p.relative_to(TESTS.parent).as_posix(): silent_tests(p) for p in files}
    assert not {k: v for k, v in bad.items() if v}, "add an assert (or pytest.raises) to these tests"


def test_no_test_module_imports_another():
    files = sorted(TESTS.rglob("*.py"))
    bad = {p.relative_to(TESTS.parent).as_posix(): imports_of_test_modules(p) for p in files}
    assert not {k: v for k, v in bad.items() if v}, "move shared fixtures to a conftest or a helper module"


# -- the checks themselves must be able to fail ----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "silent"),
    [
        ("def test_runs_only():\n    run()\n", True),
        ("async def test_hang_guard_only():\n    await asyncio.wait_for(run(), timeout=5)\n", True),
        ("def test_helper_asserts_inside():\n    vent(world)\n", True),
        ("class TestThings:\n    def test_in_a_class(self):\n        run()\n", True),
        ("def test_with_assert():\n    assert run() == 1\n", False),
        ("def test_with_raises():\n    with pytest.raises(ValueError):\n        run()\n", False),
        ("def test_with_warns():\n    with pytest.warns(UserWarning):\n        run()\n", False),
        ("def test_with_a_checking_helper():\n    mock.assert_called_once_with(1)\n", False),
        ("def test_with_expect():\n    expect_refusal(run())\n", False),
        ("async def test_nested():\n    async def inner():\n        assert await run()\n    await inner()\n", False),
        ("def helper():\n    run()\n", False),  # not a test: not collected, not checked
    ],
)
def test_the_rule_catches_a_test_that_checks_nothing(tmp_path, source, silent):
    path = tmp_path / "test_example.py"
    path.write_text(source, "utf-8")
    assert bool(silent_tests(path)) is silent, source


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("from tests.e2e.test_venting import world\n", True),
        ("from tests.e2e import test_venting\n", True),
        ("import tests.unit.test_scheduler\n", True),
        ("from tests.e2e.venting_helpers import world\n", False),
        ("from tests.e2e.world import make_world\n", False),
    ],
)
def test_the_rule_catches_a_test_module_imported_from_another(tmp_path, source, bad):
    path = tmp_path / "test_example.py"
    path.write_text(source, "utf-8")
    assert bool(imports_of_test_modules(path)) is bad, source
