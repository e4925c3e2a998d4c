"""Execute the notebooks and store them with their outputs (tables and figures inline).

    python scripts/execute_notebooks.py                       # every notebook in notebooks/
    python scripts/execute_notebooks.py notebooks/03_network.ipynb

Each notebook runs top to bottom in a fresh kernel ("python3" of this environment) that imports
sscsim from this checkout, from a temporary working folder, so nothing a notebook writes lands in
the repository. A notebook with a failing cell is not written: the command names it and the cell
and exits with status 1. tests/test_notebooks.py executes the notebooks with `execute` too, and
checks that the stored ones hold their figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from sscsim.results import write_text

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
TIMEOUT_SECONDS = 600  # a cell; every notebook runs in well under a minute


def execute(path: Path, working_folder: Path) -> nbformat.NotebookNode:
    """The notebook at `path`, executed in a fresh kernel from `working_folder`; outputs replace
    any stored ones. Raises nbclient's CellExecutionError, naming the cell, if one fails."""
    book = nbformat.read(path, as_version=4)
    # The kernel (and any process it starts, such as a sweep) imports this checkout's sscsim.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    client = NotebookClient(
        book,
        timeout=TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(working_folder)}},
        record_timing=False,  # no timestamps in the stored notebooks
    )
    client.execute()
    return book


def store(book: nbformat.NotebookNode, path: Path) -> None:
    """Write a notebook atomically (a temporary file beside it, renamed into place)."""
    write_text(nbformat.writes(book), path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="notebooks to execute (default: all)"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"execute_notebooks: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    failed = []
    for path in paths:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="sscsim-notebook-") as folder:
            try:
                book = execute(path, Path(folder))
            except CellExecutionError as error:
                print(f"execute_notebooks: {path}: a cell failed, not written\n{error}")
                failed.append(path)
                continue
        store(book, path)
        print(f"{path}: executed and stored in {time.perf_counter() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
