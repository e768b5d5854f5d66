"""Every setting is declared once (etl/settings.py) and documented in README.md and .env.example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl import settings
from etl.paths import REPO_ROOT
from etl.settings import SETTINGS

README = REPO_ROOT / "README.md"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
NAMES = [s.name for s in SETTINGS]


def env_example() -> dict[str, tuple[str, list[str]]]:
    """NAME -> (value, the comment lines just above it) from .env.example."""
    entries: dict[str, tuple[str, list[str]]] = {}
    comments: list[str] = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            comments.append(line.lstrip("# ").strip())
        elif "=" in line:
            name, value = line.split("=", 1)
            assert name not in entries, f"{name} is listed twice in .env.example"
            entries[name] = (value, comments)
            comments = []
        else:
            comments = []
    return entries


def readme_configuration_table() -> dict[str, str]:
    """NAME -> default column of the README's Configuration table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|", section, flags=re.M)
    return {name: default.strip() for name, default in rows}


def test_settings_are_unique_and_described() -> None:
    assert len(NAMES) == len(set(NAMES))
    for setting in SETTINGS:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", setting.name)
        assert setting.help.strip(), setting.name


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    table = readme_configuration_table()
    assert sorted(table) == sorted(NAMES), "README.md's Configuration table and etl/settings.py differ"


@pytest.mark.parametrize("setting", SETTINGS, ids=NAMES)
def test_every_setting_is_in_env_example_with_its_default_and_a_comment(setting: settings.Setting) -> None:
    entries = env_example()
    assert setting.name in entries, f"{setting.name} is missing from .env.example"
    value, comments = entries[setting.name]
    # The default database lives inside the checkout; .env.example shows that path relative to it.
    assert value == setting.default.replace(f"sqlite:///{REPO_ROOT}/", "sqlite:///")
    assert comments, f"{setting.name} has no comment in .env.example"


def test_env_example_lists_nothing_undeclared() -> None:
    assert sorted(env_example()) == sorted(NAMES)


def test_code_reads_only_declared_settings() -> None:
    """Environment variables read by the product (etl/, dashboard/) are all declared settings."""
    pattern = re.compile(
        r"""(?:os\.environ\.get|os\.getenv|os\.environ\[|settings\.get)\(?\s*["']([A-Z0-9_]+)["']""")
    read = set()
    for folder in ("etl", "dashboard"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            read |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert read, "no setting reads found: the pattern is stale"
    assert read <= set(NAMES), f"undeclared: {sorted(read - set(NAMES))}"


def test_get_reads_the_environment_or_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_TIMEOUT", "42")
    assert settings.get("CACHE_TIMEOUT") == "42"
    monkeypatch.setenv("CACHE_TIMEOUT", "")
    assert settings.get("CACHE_TIMEOUT") == "600"
    monkeypatch.delenv("CACHE_TIMEOUT")
    assert settings.get("CACHE_TIMEOUT") == "600"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert settings.get("DATABASE_URL") == f"sqlite:///{Path(REPO_ROOT) / 'data' / 'atlas.sqlite'}"
    with pytest.raises(KeyError, match="unknown setting 'NOPE'"):
        settings.get("NOPE")
