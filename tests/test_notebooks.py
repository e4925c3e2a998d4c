"""The notebooks run top to bottom and show their figures, and the stored notebooks hold the
outputs of such an execution (scripts/execute_notebooks.py writes them)."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
# The figures each notebook shows (image/png outputs), at least.
FIGURES: dict[str, int] = {
    "01_quickstart": 3,
    "02_sweep_analysis": 3,
    "03_network": 2,
    "04_mechanisms": 3,
}


def _executor():
    """scripts/execute_notebooks.py, the one way the notebooks are executed."""
    spec = importlib.util.spec_from_file_location(
        "execute_notebooks", REPO / "scripts" / "execute_notebooks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outputs(book: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in book.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def figures(book: nbformat.NotebookNode) -> int:
    return sum("image/png" in output.get("data", {}) for output in outputs(book))


def errors(book: nbformat.NotebookNode) -> list[str]:
    return [
        f"{output['ename']}: {output['evalue']}"
        for output in outputs(book)
        if output.get("output_type") == "error"
    ]


def test_every_notebook_has_its_figure_count():
    assert {path.stem for path in NOTEBOOKS} == set(FIGURES)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_stored_notebook_holds_one_clean_execution_with_its_figures(path):
    book = nbformat.read(path, as_version=4)
    code = [cell for cell in book.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), (
        f"{path.name}: not executed top to bottom in one go (scripts/execute_notebooks.py)"
    )
    assert not errors(book)
    assert figures(book) >= FIGURES[path.stem], f"{path.name}: stored without its figures"
    # Where it ran is not part of a stored notebook.
    assert tempfile.gettempdir() + "/" not in nbformat.writes(book)


# Cells added around a notebook under test: the first records every figure the notebook makes,
# the last checks each as the figure tests check run and sweep figures (tests/figure_checks.py).
RECORD_FIGURES = """
import matplotlib.figure
_figures, _init = [], matplotlib.figure.Figure.__init__
def _recording_init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    _figures.append(self)
matplotlib.figure.Figure.__init__ = _recording_init
"""
CHECK_FIGURES = """
from tests.figure_checks import assert_legends_inside, texts_of
assert _figures, "no figure made"
for _figure in _figures:
    assert_legends_inside(_figure)
    for _text in texts_of(_figure):
        assert "scenario." not in _text and "=" not in _text and "_" not in _text, _text
"""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_runs_top_to_bottom_and_shows_readable_figures(path, tmp_path):
    before = _listing()
    book = nbformat.read(path, as_version=4)
    book.cells.insert(0, nbformat.v4.new_code_cell(RECORD_FIGURES))
    book.cells.append(nbformat.v4.new_code_cell(CHECK_FIGURES))
    checked = tmp_path / path.name
    nbformat.write(book, checked)
    book = _executor().execute(checked, tmp_path)
    assert not errors(book)
    assert figures(book) >= FIGURES[path.stem], f"{path.name}: figures not shown"
    assert _listing() == before, "the notebook wrote into the repository"


def _listing() -> set[Path]:
    """The repository's top folder and notebooks/, where a stray output would land."""
    return {*REPO.iterdir(), *(REPO / "notebooks").iterdir()}
