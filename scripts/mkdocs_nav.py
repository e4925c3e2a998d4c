"""A hook of mkdocs.yml: every page of docs/ in the site's navigation.

mkdocs.yml lists the pages in reading order; a page added to docs/ later (and not yet listed)
is appended to the navigation instead of being built without a way to reach it. mkdocs titles
an entry without a title by the page's first heading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig


def listed_pages(nav: Any) -> set[str]:
    """The page paths named anywhere in a navigation (mkdocs' nesting of lists and mappings)."""
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, dict):
        return set().union(*(listed_pages(value) for value in nav.values()))
    if isinstance(nav, list):
        return set().union(*(listed_pages(item) for item in nav))
    return set()


def unlisted_pages(nav: Any, docs_dir: Path) -> list[str]:
    """Markdown pages under `docs_dir` (paths relative to it, sorted) that `nav` does not name."""
    pages = (p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md"))
    return sorted(set(pages) - listed_pages(nav))


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Append the unlisted pages to an explicit navigation (none: mkdocs lists every page)."""
    if config.nav is not None:
        config.nav = [*config.nav, *unlisted_pages(config.nav, Path(config.docs_dir))]
    return config
