"""The operator documents agree with the code: the systemd unit, the licences and the changelog."""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path

from bot.__main__ import EXIT_SETUP
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def unit_service() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(ROOT / "deploy" / "peer-circle.service")
    return parser["Service"]


def test_unit_runs_the_strict_entry_point_and_stops_on_a_setting_to_fix():
    service = unit_service()
    assert service["ExecStart"].endswith("/.venv/bin/python -m bot")
    # A setting to fix exits with EXIT_SETUP; restarting would only fail again.
    assert service["RestartPreventExitStatus"] == str(EXIT_SETUP)
    assert service["Restart"] == "on-failure"


def test_unit_keeps_the_database_and_keys_in_its_private_state_directory():
    service = unit_service()
    database = Path(service["Environment"].removeprefix("DATABASE_PATH="))
    assert database.parent == Path("/var/lib") / service["StateDirectory"]
    assert service["StateDirectoryMode"] == "0700"
    settings = Settings(discord_token=None, database_path=database, log_level="INFO", dev_guild_id=None)
    readme = (ROOT / "README.md").read_text("utf-8")
    # Where the README tells operators to look for both files is where the bot puts them.
    assert f"`{database}`" in readme
    assert f"`{settings.keys_path}`" in readme


def test_licences_are_declared_in_the_package_the_repository_and_the_readme():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert set(project["license-files"]) == {"LICENSE", "content/LICENSE"}
    assert "SPDX-License-Identifier: AGPL-3.0-or-later" in (ROOT / "LICENSE").read_text("utf-8")
    assert "SPDX-License-Identifier: CC-BY-SA-4.0" in (ROOT / "content" / "LICENSE").read_text("utf-8")
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "AGPL-3.0-or-later" in readme and "CC BY-SA 4.0" in readme


def test_changelog_has_the_running_version_with_upgrade_steps():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    section = changelog.split(f"## [{version}]", 1)
    assert len(section) == 2, f"CHANGELOG.md has no section for version {version}"
    assert "### Upgrading" in section[1].split("\n## ", 1)[0]
