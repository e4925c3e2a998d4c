"""What the figures show: readable labels, legends inside the canvas and off the data, ordered
colours for ordered values, differences from a baseline paired by seed, the file format asked
for. Figures are rendered on an Agg canvas and read back from their artists."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from sscsim import plots
from sscsim.analyze import (
    FIGURE_METRICS,
    check_baseline,
    confidence_band,
    default_baseline,
    listed_values,
    paired_differences,
    parse_baseline,
    varying_keys,
)
from sscsim.analyze import main as analyze_main
from sscsim.config import FigureFormat, parameter
from sscsim.labels import (
    MEASURES,
    SCENARIO_LABELS,
    parameter_label,
    seeds_text,
    value_label,
    words,
)
from sscsim.sensitivity import Plan, indices_figure
from tests.figure_checks import assert_legend_fits, assert_readable

REPO = Path(__file__).resolve().parent.parent
DEPTH = "scenario.oda_cut_depth"
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-", "svg": b"<svg"}


# --- reading a figure back ----------------------------------------------------------------------


def luminance(colour: str) -> float:
    """Relative luminance (WCAG) of an sRGB colour: monotone in CIELAB lightness."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def line_colours(figure: Figure) -> dict[str, str]:
    """Legend entry -> colour of its line, for the lines of the first axes."""
    return {line.get_label(): line.get_color() for line in figure.axes[0].get_lines()
            if not line.get_label().startswith("_")}  # fmt: skip


# --- a sweep, as `aggregate` gives it -------------------------------------------------------------


def sweep_timeseries(depths=(0.0, 0.25, 0.5), seeds=(1, 2, 3), steps: int = 8) -> pd.DataFrame:
    """Every metric = 100 * depth + 10 * seed + time trend + noise that the seed fixes: seeds
    differ a lot, depths by a fixed amount within a seed."""
    rows = []
    for depth in depths:
        for seed in seeds:
            noise = np.random.default_rng(seed).normal(size=steps + 1)
            for period in range(steps + 1):
                value = 100 * depth + 10 * seed + period + noise[period]
                row = {"scenario": "oda_cut", DEPTH: depth, "seed": seed, "steps": steps,
                       "period": period, "time": 2025 + period / 4}  # fmt: skip
                rows.append(row | dict.fromkeys(FIGURE_METRICS, value))
    return pd.DataFrame(rows)


SWEPT = ["scenario", DEPTH, "seed", "steps"]


def test_varying_keys_leave_out_the_seed_and_shared_overrides():
    assert varying_keys(sweep_timeseries(), SWEPT) == [DEPTH]


def test_differences_are_paired_by_seed():
    values = sweep_timeseries()
    differences = paired_differences(values, [DEPTH], "mean_capacity", {DEPTH: 0.0})
    assert len(differences) == len(values)
    for depth, group in differences.groupby(DEPTH):
        # Within a seed the runs differ by exactly 100 * depth: pairing removes the seeds'
        # spread (10 * seed and the noise), which unpaired means would carry.
        assert group["difference"].to_numpy() == pytest.approx(100 * depth)
    band = confidence_band(differences, [DEPTH], "difference")
    assert (band["high"] - band["low"]).max() == pytest.approx(0.0, abs=1e-9)
    levels = confidence_band(values, [DEPTH], "mean_capacity")
    assert (levels["high"] - levels["low"]).min() > 10  # the seeds' spread, unpaired


def test_the_difference_figure_of_a_sweep_against_itself_is_zero():
    one = sweep_timeseries(depths=(0.0,))
    copies = pd.concat([one, one.assign(**{DEPTH: 0.3})], ignore_index=True)
    differences = paired_differences(copies, [DEPTH], "interregional_ties", {DEPTH: 0.0})
    assert (differences["difference"] == 0).all()
    band = confidence_band(differences, [DEPTH], "difference")
    figure = plots.difference_figure(band, [DEPTH], "interregional_ties", {DEPTH: 0.0})
    lines = [line for line in figure.axes[0].get_lines() if not line.get_label().startswith("_")]
    assert len(lines) == 2
    for line in lines:
        assert np.asarray(line.get_ydata()) == pytest.approx(0.0)


def test_a_baseline_of_one_key_pairs_on_the_others_too():
    values = pd.concat([sweep_timeseries().assign(sids=s) for s in (0.0, 1.0)], ignore_index=True)
    values["mean_capacity"] += 1000 * values["sids"]  # a lever that adds 1000 everywhere
    differences = paired_differences(values, [DEPTH, "sids"], "mean_capacity", {DEPTH: 0.0})
    # The sids=1 runs are compared with sids=1 at depth 0: the lever's 1000 cancels out.
    assert differences["difference"].to_numpy() == pytest.approx(100 * differences[DEPTH])


def test_a_seed_without_its_baseline_run_is_left_out():
    values = sweep_timeseries()
    values = values[~((values[DEPTH] == 0.0) & (values["seed"] == 2))]
    differences = paired_differences(values, [DEPTH], "mean_capacity", {DEPTH: 0.0})
    assert set(differences["seed"]) == {1, 3}
    assert differences["difference"].to_numpy() == pytest.approx(100 * differences[DEPTH])


def test_the_default_baseline_is_the_first_value_the_sweep_lists(tmp_path):
    values = sweep_timeseries()
    assert default_baseline(values, [DEPTH], {}) == {DEPTH: 0.0}  # no listing: the smallest
    multirun = {"hydra": {"sweeper": {"params": {DEPTH: "0.25,0.0,0.5", "seed": "range(1,4)"}},
                          "overrides": {"task": ["scenario=oda_cut", "seed=1,2,3"]}}}  # fmt: skip
    (tmp_path / "multirun.yaml").write_text(yaml.safe_dump(multirun))
    listed = listed_values(tmp_path)
    assert listed[DEPTH] == [0.25, 0.0, 0.5] and listed["seed"] == [1, 2, 3]
    assert default_baseline(values, [DEPTH], listed) == {DEPTH: 0.25}


def test_baselines_are_parsed_and_checked_against_the_sweep():
    values = sweep_timeseries()
    assert parse_baseline([f"{DEPTH}=0", "scenario=oda_cut"]) == {DEPTH: 0, "scenario": "oda_cut"}
    check_baseline({DEPTH: 0}, values, [DEPTH])  # 0 and 0.0 are the same value
    with pytest.raises(ValueError, match="expected key=value"):
        parse_baseline(["oda_cut"])
    with pytest.raises(
        ValueError, match=r"=0\.3: not among the swept values \(0\.0, 0\.25, 0\.5\)"
    ):
        check_baseline({DEPTH: 0.3}, values, [DEPTH])
    with pytest.raises(ValueError, match="seed: runs are paired by seed"):
        check_baseline({"seed": 1}, values, [DEPTH])
    with pytest.raises(ValueError, match="steps: not a swept key with several values"):
        check_baseline({"steps": 8}, values, [DEPTH])


# --- sweep figures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep_figures() -> dict[str, Figure]:
    values = sweep_timeseries()
    caption = plots.sweep_caption(["oda_cut"], [1, 2, 3], {"steps": 8})
    levels = plots.level_figure(
        confidence_band(values, [DEPTH], "funding_southern_funds_usd"),
        [DEPTH],
        "funding_southern_funds_usd",
        caption=caption,
    )
    differences = paired_differences(values, [DEPTH], "funding_southern_funds_usd", {DEPTH: 0.0})
    difference = plots.difference_figure(
        confidence_band(differences, [DEPTH], "difference"),
        [DEPTH],
        "funding_southern_funds_usd",
        {DEPTH: 0.0},
        caption=caption,
    )
    return {"levels": levels, "difference": difference}


@pytest.mark.parametrize("name", ["levels", "difference"])
def test_sweep_figures_have_readable_labels_and_a_legend_off_the_data(sweep_figures, name):
    figure = sweep_figures[name]
    assert_readable(figure)
    assert_legend_fits(figure)
    legend = figure.legends[0]
    assert legend.get_title().get_text() == parameter_label(DEPTH)
    entries = [t.get_text() for t in legend.get_texts()]
    assert entries[1:] == ["0.25", "0.5"]
    assert entries[0] == ("0 (baseline)" if name == "difference" else "0")
    caption = figure.get_supxlabel().replace("\n", " ")
    assert "Scenario ODA cut (oda_cut); Steps 8; 3 seeds (1-3)" in caption
    assert "95 % t interval" in caption


def test_ordered_values_get_colours_monotone_in_lightness(sweep_figures):
    colours = line_colours(sweep_figures["levels"])
    lightness = [luminance(colours[value]) for value in ("0", "0.25", "0.5")]
    assert lightness[0] < lightness[1] < lightness[2]
    assert not set(colours.values()) & set(plots.OKABE_ITO)  # not the categorical palette


def test_categories_get_the_colour_blind_safe_palette():
    values = pd.concat(
        [sweep_timeseries(depths=(0.3,)).assign(scenario=code)
         for code in ("oda_cut", "no_champions", "sids_priority")], ignore_index=True,
    )  # fmt: skip
    figure = plots.level_figure(confidence_band(values, ["scenario"], "mean_capacity"),
                                ["scenario"], "mean_capacity")  # fmt: skip
    colours = line_colours(figure)
    assert set(colours) == {"ODA cut", "No champions", "SIDS priority"}
    assert set(colours.values()) <= set(plots.OKABE_ITO)
    assert len(set(colours.values())) == 3
    assert_readable(figure)
    assert_legend_fits(figure)


def test_two_swept_keys_name_both_in_each_entry():
    values = pd.concat(
        [sweep_timeseries().assign(**{"scenario.sids_priority": s}) for s in (0.0, 1.0)],
        ignore_index=True,
    )
    by = [DEPTH, "scenario.sids_priority"]
    figure = plots.level_figure(confidence_band(values, by, "mean_capacity"), by, "mean_capacity")
    entries = [t.get_text() for t in figure.legends[0].get_texts()]
    assert "ODA cut (share) 0.25, SIDS priority 1" in entries
    assert_readable(figure)
    assert_legend_fits(figure)
    styles = {line.get_label(): (line.get_color(), line.get_linestyle())
              for line in figure.axes[0].get_lines()}  # fmt: skip
    # Colour by the cut depth (ordered), line style by the other key.
    assert styles["ODA cut (share) 0, SIDS priority 0"][0] == styles[
        "ODA cut (share) 0, SIDS priority 1"][0]  # fmt: skip
    assert styles["ODA cut (share) 0, SIDS priority 0"][1] != styles[
        "ODA cut (share) 0, SIDS priority 1"][1]  # fmt: skip


def test_usd_are_drawn_in_millions(sweep_figures):
    axes = sweep_figures["levels"].axes[0]
    assert axes.get_ylabel() == "Spending from Southern SSC funds (USD million per quarter)"
    top = max(np.max(line.get_ydata()) for line in axes.get_lines())
    assert top == pytest.approx(
        sweep_timeseries().groupby(["scenario.oda_cut_depth", "time"])[
            "funding_southern_funds_usd"].mean().max() * 1e-6)  # fmt: skip


# --- run figures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_tables() -> dict[str, pd.DataFrame]:
    from sscsim import SSCModel
    from sscsim.results import run_tables as tables

    return tables(SSCModel(rng=1, steps=8).run())


@pytest.mark.parametrize("stem", list(plots.RUN_FIGURES))
def test_run_figures_have_readable_labels_and_a_legend_off_the_data(run_tables, stem):
    figure = plots.RUN_FIGURES[stem](run_tables, plots.run_caption("oda_cut", 3))
    assert figure is not None
    assert_readable(figure)
    if stem != "interregional_ties":  # a single line: no legend
        assert_legend_fits(figure)
    assert figure.get_supxlabel().startswith("Scenario ODA cut (oda_cut); seed 3")


@pytest.mark.parametrize("figure_format", [f.value for f in FigureFormat])
def test_run_figures_are_written_in_the_format_asked_for(run_tables, tmp_path, figure_format):
    written = plots.run_figures(run_tables, tmp_path, figure_format=figure_format)
    assert sorted(p.name for p in written) == sorted(
        f"{stem}.{figure_format}" for stem in plots.RUN_FIGURES
    )
    for path in written:
        assert MAGIC[figure_format] in path.read_bytes()[:400], path


def test_the_saving_run_figures_write_the_format_of_their_target(run_tables, tmp_path):
    timeseries = run_tables["timeseries"]
    for draw, suffix in ((plots.capacity_by_kind, "svg"), (plots.funding_by_source, "pdf")):
        target = tmp_path / f"figure.{suffix}"
        assert draw(timeseries, target) == target
        assert MAGIC[suffix] in target.read_bytes()[:400]


# --- sensitivity figures ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity_figures_have_readable_labels_and_a_legend_off_the_data(method):
    # The published tables (docs/figures/); some of their parameters are no longer in the
    # schema and are named in words.
    indices = pd.read_csv(REPO / "docs" / "figures" / f"sensitivity_{method}.csv")
    figure = indices_figure(Plan(method, 32, [1], None, {}, []), indices)
    assert_readable(figure)
    assert_legend_fits(figure)
    ticks = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert parameter_label("oda_cut_depth") in ticks
    assert "Triangular share of ODA" in ticks  # a parameter the schema no longer has


# --- labels -----------------------------------------------------------------------------------


def test_every_packaged_scenario_has_a_name():
    codes = {p.stem for p in (REPO / "sscsim" / "conf" / "scenario").glob("*.yaml")}
    assert codes == set(SCENARIO_LABELS)
    for code in codes:
        assert value_label("scenario", code) == SCENARIO_LABELS[code]


def test_run_figures_use_the_colour_blind_safe_palette():
    for colours in (plots.MODALITY_COLOURS, plots.KIND_COLOURS, plots.REGION_COLOURS):
        assert set(colours.values()) <= {*plots.OKABE_ITO, plots.GREY}
        assert len(set(colours.values())) == len(colours)


def test_a_baseline_needs_a_swept_key():
    with pytest.raises(ValueError, match="the baseline fixes one of: none"):
        check_baseline({"scenario": "oda_cut"}, sweep_timeseries(depths=(0.0,)), [])


def test_every_figure_metric_and_run_figure_column_is_registered():
    columns = {*FIGURE_METRICS, *plots.FUNDING_COLUMNS, "mean_capacity", "actions_total"}
    columns |= {f"mean_capacity_{kind}" for kind in plots.KIND_COLOURS}
    columns |= {f"actions_{modality}" for modality in plots.MODALITY_COLOURS}
    assert columns <= set(MEASURES)


def test_parameter_labels_come_from_the_schema():
    decay = parameter("decay_rate").param
    assert parameter_label("ties.decay_rate") == f"Decay rate ({decay.unit})"
    assert parameter_label(DEPTH) == parameter("oda_cut_depth").param.label  # unit included
    assert parameter_label("triangular_share_of_oda") == "Triangular share of ODA"  # not one
    assert value_label("scenario.champions_enabled", False) == "off"
    assert value_label(DEPTH, 0.1) == "0.1"


def test_words_and_seeds():
    assert words("sids_capacity_gap") == "SIDS capacity gap"
    assert seeds_text([42]) == "seed 42"
    assert seeds_text(list(range(1, 21))) == "20 seeds (1-20)"
    assert seeds_text([5, 1, 2]) == "3 seeds (1-2, 5)"


# --- the command line -----------------------------------------------------------------------


def fake_sweep(root: Path, figure_format: str = "png") -> Path:
    """A sweep folder as Hydra and `sscsim.results.write_run` leave it, with `sweep_timeseries`
    as the runs' time series."""
    values = sweep_timeseries()
    for (depth, seed), frame in values.groupby([DEPTH, "seed"]):
        run = root / f"{DEPTH}={depth},seed={seed}"
        (run / ".hydra").mkdir(parents=True)
        overrides = ["scenario=oda_cut", f"{DEPTH}={depth}", f"seed={seed}"]
        (run / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
        (run / "config.yaml").write_text(
            yaml.safe_dump({"output": {"figure_format": figure_format}})
        )
        frame.drop(columns=["scenario", DEPTH, "seed", "steps"]).to_parquet(
            run / "timeseries.parquet"
        )
        (run / "summary.json").write_text(json.dumps({"run": {"scenario": "oda_cut"}}))
    return root


@pytest.mark.parametrize("figure_format", ["svg", "pdf"])
def test_sweep_figures_take_the_runs_format_or_the_one_asked_for(tmp_path, figure_format):
    sweep = fake_sweep(tmp_path / "sweep", figure_format="svg")
    arguments = [str(sweep)] + (["--format", figure_format] if figure_format == "pdf" else [])
    assert analyze_main(arguments) == 0
    written = sorted(sweep.glob(f"sweep_*.{figure_format}"))
    assert [p.name for p in written] == sorted(
        f"sweep_{metric}{kind}.{figure_format}"
        for metric in FIGURE_METRICS
        for kind in ("", "_difference")
    )
    for path in written:
        assert MAGIC[figure_format] in path.read_bytes()[:400], path


def test_a_baseline_the_sweep_does_not_hold_is_an_error(tmp_path, capsys):
    sweep = fake_sweep(tmp_path / "sweep")
    assert analyze_main([str(sweep), "--baseline", f"{DEPTH}=0.7"]) == 2
    assert f"--baseline {DEPTH}=0.7: not among the swept values" in capsys.readouterr().err
    assert analyze_main([str(sweep), "--baseline", f"{DEPTH}=0.5"]) == 0
    assert (sweep / "sweep_mean_capacity_difference.png").read_bytes().startswith(MAGIC["png"])


def test_a_command_line_run_writes_its_figures_in_the_configured_format(tmp_path):
    run_dir = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "sscsim", "steps=2", "output.figure_format=pdf",
         f"hydra.run.dir={run_dir}"],
        capture_output=True, text=True, cwd=REPO, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    files = json.loads((run_dir / "summary.json").read_text())["run"]["files"]
    figures = sorted(f for f in files if not f.endswith((".parquet", ".md", ".html")))
    assert figures == sorted(f"{stem}.pdf" for stem in plots.RUN_FIGURES)
    for name in figures:
        assert (run_dir / name).read_bytes().startswith(MAGIC["pdf"])
