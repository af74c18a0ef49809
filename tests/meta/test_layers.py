"""The house rules, checked file by file: where a feature lives, what it may import, where SQL goes.

`bot/` is the core every feature uses and knows no feature; each feature is one package under `cogs/`.
These tests read the source (with `ast`), so a bad import or a stray query fails here before review.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_FUNCTION_LINES = 60
# Statements as this project writes them: upper-case keywords followed by what makes them SQL.
SQL = re.compile(
    r"^\s*(SELECT\b[\s\S]*\bFROM\b|INSERT (OR \w+ )?INTO\b|UPDATE \w+ SET\b|DELETE FROM\b"
    r"|CREATE (UNIQUE )?(TABLE|INDEX|TRIGGER|VIEW)\b|DROP (TABLE|INDEX)\b|ALTER TABLE\b|PRAGMA \w+|WITH \w+ AS\b)"
)


def sources(*folders: str) -> Iterator[Path]:
    """Every Python file under the given top-level folders."""
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def relative(path: Path, root: Path = ROOT) -> str:
    """The path as the project names it (bot/app.py)."""
    return path.relative_to(root).as_posix()


def imported_modules(path: Path, root: Path = ROOT) -> list[str]:
    """Every module a file imports, by its full dotted name (relative imports resolved)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = relative(path, root).removesuffix(".py").replace("/", ".").rsplit(".", 1)[0]
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], base]).strip(".")
            found += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return found


def feature_of(path: Path, root: Path = ROOT) -> str | None:
    """The feature a file under cogs/ belongs to (its package, or the single-module extension)."""
    parts = path.relative_to(root / "cogs").parts
    return None if parts == ("__init__.py",) else parts[0].removesuffix(".py")


def cog_imports_another_cog(path: Path, root: Path = ROOT) -> list[str]:
    """The imports in a feature's file that reach into another feature."""
    own = feature_of(path, root)
    bad = []
    for module in imported_modules(path, root):
        parts = module.split(".")
        if parts[0] == "cogs" and len(parts) > 1 and parts[1] != own:
            bad.append(module)
    return bad


def core_imports_a_feature(path: Path, root: Path = ROOT) -> list[str]:
    """The imports in a core file that reach into cogs/."""
    return [m for m in imported_modules(path, root) if m == "cogs" or m.startswith("cogs.")]


def discord_imports(path: Path, root: Path = ROOT) -> list[str]:
    """The discord imports of a file."""
    return [m for m in imported_modules(path, root) if m == "discord" or m.startswith("discord.")]


def may_hold_sql(path: Path) -> bool:
    """SQL lives in repository files, the core's repositories and the database layer, nowhere else."""
    name = relative(path)
    return path.name == "repository.py" or name.startswith(("bot/db/", "bot/repositories/"))


def sql_strings(path: Path, root: Path = ROOT) -> list[int]:
    """Lines of string constants that read as SQL statements."""
    tree = ast.parse(path.read_text("utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value)
    ]


def reach_throughs(path: Path, root: Path = ROOT) -> list[int]:
    """Lines where a module that talks to Discord reaches through a service into its repository."""
    pattern = re.compile(r"\.(repo|repository)\.")
    return [n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if pattern.search(line)]


def long_functions(path: Path, root: Path = ROOT) -> list[str]:
    """Functions longer than the cap, with their length."""
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{node.name} ({length} lines)")
    return found


def test_no_cog_imports_another_cog():
    bad = {relative(p): cog_imports_another_cog(p) for p in sources("cogs")}
    assert not {k: v for k, v in bad.items() if v}, "a feature may import bot/ and itself only"


def test_core_never_imports_a_feature():
    bad = {relative(p): core_imports_a_feature(p) for p in sources("bot")}
    assert not {k: v for k, v in bad.items() if v}, "bot/ is the core: it knows no feature"


def test_services_and_repositories_import_no_discord():
    files = [p for p in sources("bot", "cogs") if p.name in ("service.py", "repository.py")]
    assert files, "the rule must have files to check"
    bad = {relative(p): discord_imports(p) for p in files}
    assert not {k: v for k, v in bad.items() if v}, "services and repositories stay free of discord"


def test_sql_only_in_repositories_and_the_database_layer():
    bad = {relative(p): sql_strings(p) for p in sources("bot", "cogs") if not may_hold_sql(p)}
    assert not {k: v for k, v in bad.items() if v}, "move these queries into a repository.py"


def test_discord_facing_modules_never_touch_a_repository():
    files = [p for p in sources("bot", "cogs") if discord_imports(p)]
    bad = {relative(p): reach_throughs(p) for p in files}
    assert not {k: v for k, v in bad.items() if v}, "call a service method instead of reaching into its repository"


def test_functions_stay_short():
    bad = {relative(p): long_functions(p) for p in sources("bot", "cogs", "bench")}
    assert not {k: v for k, v in bad.items() if v}, f"split functions over {MAX_FUNCTION_LINES} lines"


def test_no_format_skips():
    bad = [relative(p) for p in sources("bot", "cogs", "tests", "bench") if "fmt: skip" in p.read_text("utf-8")]
    assert not [b for b in bad if not b.endswith("test_layers.py")], "let the formatter lay out the code"


# -- the checks themselves must be able to fail -------------------------------------------------------


@pytest.mark.parametrize(
    ("relative_path", "source", "check"),
    [
        ("cogs/venting/cog.py", "from cogs.checkins.views import ShowInFull\n", cog_imports_another_cog),
        ("cogs/venting/cog.py", "import cogs.admin.render\n", cog_imports_another_cog),
        ("cogs/venting/cog.py", "from ..checkins import views\n", cog_imports_another_cog),
        ("bot/app.py", "from cogs.venting.service import VentingService\n", core_imports_a_feature),
        ("cogs/venting/service.py", "import discord\n", discord_imports),
        ("cogs/venting/service.py", "from discord import ui\n", discord_imports),
        ("cogs/venting/cog.py", 'QUERY = "SELECT * FROM vent_posts"\n', sql_strings),
        ("cogs/venting/cog.py", "x = self.svc.repo.post(1)\n", reach_throughs),
        ("cogs/venting/cog.py", "def f():\n" + "    x = 1\n" * 61, long_functions),
    ],
)
def test_each_rule_catches_a_bad_file(tmp_path, relative_path, source, check):
    target = tmp_path / relative_path
    target.parent.mkdir(parents=True)
    target.write_text(source)
    assert check(target, tmp_path), f"{check.__name__} missed a bad {relative_path}"


def test_good_files_pass(tmp_path):
    own = tmp_path / "cogs" / "venting" / "cog.py"
    own.parent.mkdir(parents=True)
    own.write_text("from cogs.venting.service import VentingService\nfrom bot.ui import preview\nimport discord\n")
    assert cog_imports_another_cog(own, tmp_path) == []
    assert reach_throughs(own, tmp_path) == []
    assert sql_strings(own, tmp_path) == []
    core = tmp_path / "bot" / "app.py"
    core.parent.mkdir(parents=True)
    core.write_text('from bot.ui import preview\nEXTENSIONS = ("cogs.venting",)\n')
    assert core_imports_a_feature(core, tmp_path) == []
