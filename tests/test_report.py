"""The run report: a run folder holds report.html, a well-formed, self-contained page with the
modality shares beside SEGIB's, the provenance and the run's figures, every text escaped."""

from __future__ import annotations

import base64
import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import pandas as pd
import pytest

from sscsim.config import config_from_parameters
from sscsim.plots import save, styled_figure
from sscsim.report import REPORT_FILE, main, report_html
from sscsim.results import git_commit
from sscsim.runner import config_yaml, run_and_save
from sscsim.state.modalities import MODALITIES, SEGIB_2023_SHARES

# Markup characters in a text field of the configuration: the report must show them as text.
ODD_NAME = '<b>cut & "pledge"</b>'
VOID_TAGS = {"meta", "img", "br", "link", "hr", "input"}


class Page(HTMLParser):
    """The parts of a page the tests read; records tags left open or closed out of order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.misnested: list[str] = []
        self.text: list[str] = []
        self.images: list[dict[str, str]] = []
        self.links: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "img":
            self.images.append(values)
        if tag == "a":
            self.links.append(values.get("href", ""))
        if tag == "title":
            self._in_title = True
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if not self.open or self.open[-1] != tag:
            self.misnested.append(tag)
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_title:
            self.title += data

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def parse(markup: str) -> Page:
    page = Page()
    page.feed(markup)
    page.close()
    assert not page.misnested, f"tags closed out of order: {page.misnested}"
    assert not page.open, f"tags left open: {page.open}"
    return page


def percent(share: float) -> str:
    return f"{100 * share:.1f} %"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    """A short run's folder, its summary and its configuration's YAML."""
    config = config_from_parameters(steps=8, seed=5, scenario_name=ODD_NAME)
    folder = tmp_path_factory.mktemp("runs") / "run"
    summary = run_and_save(config, folder, progress=False)
    return folder, summary, config_yaml(config)


def test_a_run_folder_holds_its_report_and_the_summary_lists_it(run):
    folder, summary, _ = run
    assert (folder / REPORT_FILE).is_file()
    assert REPORT_FILE in summary["run"]["files"]
    stored = json.loads((folder / "summary.json").read_text())
    assert stored["run"]["files"] == summary["run"]["files"]
    listed = set(stored["run"]["files"])
    written = {p.name for p in folder.iterdir() if not p.name.startswith(".")}  # not the .lock
    assert listed == written - {"config.yaml", "summary.json"}


def test_the_report_shows_the_shares_beside_segibs(run):
    folder, summary, _ = run
    page = parse((folder / REPORT_FILE).read_text(encoding="utf-8"))
    text = page.all_text
    for modality in MODALITIES:
        share = summary["modality_shares"][modality.name]
        assert share is not None
        row = f"{modality.label} {percent(share)} {percent(SEGIB_2023_SHARES[modality.name])}"
        assert row in text, f"no row {row!r}"
    assert f"{summary['actions']['total']:,}" in text


def test_the_report_holds_the_provenance(run):
    folder, summary, yaml_text = run
    text = parse((folder / REPORT_FILE).read_text(encoding="utf-8")).all_text
    provenance = summary["run"]
    assert f"seed {provenance['seed']}" in text
    assert (git_commit() or "unknown") in text
    for package, version in provenance["versions"].items():
        assert f"{package} {version}" in text
    assert " ".join(yaml_text.split()) in text  # the whole configuration


def test_the_reports_images_are_the_runs_figures_and_decode(run):
    folder, summary, _ = run
    page = parse((folder / REPORT_FILE).read_text(encoding="utf-8"))
    figures = [name for name in summary["run"]["files"] if name.endswith(".png")]
    assert len(figures) >= 4
    embedded = []
    for image in page.images:
        header, _, data = image["src"].partition(",")
        assert header == "data:image/png;base64"
        raw = base64.b64decode(data, validate=True)
        pixels = matplotlib.image.imread(io.BytesIO(raw), format="png")
        assert pixels.ndim == 3 and min(pixels.shape[:2]) > 50
        embedded.append(raw)
    assert sorted(embedded) == sorted((folder / name).read_bytes() for name in figures)


def test_every_text_is_escaped(run):
    folder, _, _ = run
    markup = (folder / REPORT_FILE).read_text(encoding="utf-8")
    assert ODD_NAME not in markup
    page = parse(markup)
    assert ODD_NAME in page.title
    assert ODD_NAME in page.all_text


def test_svg_figures_embed_and_pdf_figures_are_linked(run, tmp_path):
    folder, summary, _ = run
    with styled_figure() as figure:
        figure.subplots().plot([0, 1], [1, 0])
        svg, pdf = save(figure, tmp_path / "ties", ("svg", "pdf"))
    sources = pd.read_parquet(folder / "sources.parquet")
    page = parse(report_html(summary, sources, [svg, pdf], "seed: 5\n"))
    (image,) = page.images
    header, _, data = image["src"].partition(",")
    assert header == "data:image/svg+xml;base64"
    assert base64.b64decode(data).decode("utf-8") == svg.read_text(encoding="utf-8")
    assert pdf.name in page.links  # relative to the report, beside it in the folder


def test_a_report_without_figures_says_so(run):
    folder, summary, _ = run
    sources = pd.read_parquet(folder / "sources.parquet")
    page = parse(report_html(summary, sources, [], ""))
    assert not page.images
    assert "No figures were drawn" in page.all_text


def test_the_command_rewrites_a_folders_report(run, tmp_path, capsys):
    folder = shutil.copytree(run[0], tmp_path / "run")
    before = parse((folder / REPORT_FILE).read_text(encoding="utf-8"))
    (folder / REPORT_FILE).unlink()
    assert main([str(folder)]) == 0
    after = parse((folder / REPORT_FILE).read_text(encoding="utf-8"))
    # the figures the summary lists, in its (alphabetical) order
    assert sorted(i["src"] for i in after.images) == sorted(i["src"] for i in before.images)
    assert str(folder / REPORT_FILE) in capsys.readouterr().out


def test_the_command_refuses_an_incomplete_folder(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert str(tmp_path) in error and "summary.json" in error
    assert not (tmp_path / REPORT_FILE).exists()
