"""The README documents every setting and starts with the two commands."""

from __future__ import annotations

from app.settings import PROJECT_ROOT, describe_settings


def test_readme_lists_every_setting_and_the_two_commands_first() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [env for env, _, _ in describe_settings() if f"`{env}`" not in readme]
    assert not missing, f"settings missing from the README table: {missing}"
    head = readme[:1200]
    assert "make run" in head and "make test" in head
