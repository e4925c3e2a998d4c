"""The documentation site and the research-software metadata: the site builds from docs/ with
no warning (broken links, pages outside the navigation), and CITATION.cff, LICENSE and
environment.yml agree with pyproject.toml."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _nav_hook():
    spec = importlib.util.spec_from_file_location("mkdocs_nav", REPO / "scripts" / "mkdocs_nav.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_builds_strictly_with_every_page_in_its_navigation(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "WARNING" not in log, log
    home = (site / "index.html").read_text(encoding="utf-8")
    for page in sorted((REPO / "docs").glob("*.md")):
        if page.stem == "index":
            continue
        assert (site / page.stem / "index.html").is_file(), page.name
        assert f'href="{page.stem}/"' in home, f"{page.name} is not in the navigation"


def test_pages_missing_from_the_navigation_are_appended(tmp_path):
    hook = _nav_hook()
    for page in ("index.md", "ODD.md", "results.md", "notes/extra.md"):
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text("# A page\n")
    nav = [{"Home": "index.md"}, {"Model": [{"ODD": "ODD.md"}]}]
    assert hook.unlisted_pages(nav, tmp_path) == ["notes/extra.md", "results.md"]
    assert hook.unlisted_pages([*nav, "results.md", "notes/extra.md"], tmp_path) == []


def test_citation_metadata_matches_the_project():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert {"cff-version", "message", "title", "authors"} <= citation.keys()
    assert citation["version"] == PROJECT["version"]
    assert citation["license"] == PROJECT["license"]["text"] == "MIT"
    assert citation["authors"] == [{"name": "The sscsim developers"}]


def test_the_licence_file_is_mit_for_the_developers():
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) 2026 The sscsim developers$", text, re.MULTILINE)
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower()


def test_the_conda_environment_has_every_core_dependency_at_its_lower_bound():
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    assert environment["channels"] == ["conda-forge"]
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    (pip,) = (d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert "python=3.12" in conda
    assert any(line.startswith("-e .") for line in pip), "the package itself comes from pip"
    available = {_name(d): d.replace(" ", "") for d in [*conda, *pip] if not d.startswith("-")}
    for requirement in PROJECT["dependencies"]:
        name = _name(requirement)
        assert name in available, f"{requirement} of pyproject.toml is not in environment.yml"
        assert available[name] == requirement.replace(" ", ""), available[name]
