"""The README's quick start is what CI runs: keep the two from drifting apart."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_the_quick_start_has_an_install_and_demo_and_an_install_and_test_command():
    install_and_demo, install_and_test = quick_start_commands()
    assert "pip install ." in install_and_demo and install_and_demo.endswith("strategy demo")
    assert "pytest tests ../shared/acceptance" in install_and_test


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quick_start_commands()[1] in ci.splitlines()
