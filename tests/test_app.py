"""The interactive app: the lever comparison and its charts in plain Python, then the page end to
end, served by Solara and driven in a real headless Chromium."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import LineCollection

from sscsim import app_charts
from sscsim.app_comparison import (
    BASELINE_LEVERS,
    LEVERS,
    MAX_SEEDS,
    READOUTS,
    Comparison,
    Settings,
    lever,
    parse_seeds,
    presets,
    readout_rows,
)
from sscsim.config import ConfigError, config_from_parameters, parameter, slider_bounds
from sscsim.model import SSCModel

REPO = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("SSCSIM_TEST_ARTIFACTS", REPO / "test-artifacts"))


# --- presets, levers, settings -----------------------------------------------------------------


def test_every_packaged_preset_is_offered_and_composes():
    files = sorted(p.stem for p in (REPO / "sscsim" / "conf" / "scenario").glob("*.yaml"))
    assert sorted(presets()) == files
    for name, preset in presets().items():
        assert preset.description, name
        assert "scenario_name" not in preset.values
        config_from_parameters(**preset.values).validate()


def test_levers_take_their_ranges_and_labels_from_the_schema():
    for name, control in LEVERS.items():
        declared = parameter(name)
        assert control.default == declared.default
        assert control.label == declared.param.label
        if not control.is_switch:
            assert control.slider[:2] == slider_bounds(name)
    assert set(BASELINE_LEVERS) <= set(LEVERS)


def test_a_lever_value_is_put_on_its_step_and_shown_with_its_decimals():
    depth, start = LEVERS["oda_cut_depth"], LEVERS["oda_cut_start_year"]
    assert depth.value_of(0.15000000000000002) == 0.15
    assert depth.show(0.3) == "0.30"
    assert start.value_of(2027.0) == 2027 and isinstance(start.value_of(2027.0), int)
    assert start.show(2027) == "2027"
    assert LEVERS["champions_enabled"].show(False) == "off"
    with pytest.raises(ValueError, match="champions_enabled: a checkbox"):
        _ = LEVERS["champions_enabled"].slider
    with pytest.raises(ValueError, match="sids_priority: a slider needs a step"):
        lever("sids_priority")


@pytest.mark.parametrize(("text", "seeds"), [("1, 2", (1, 2)), ("3 7", (3, 7)), (" 0 ,5,", (0, 5))])
def test_seeds_are_read_from_text(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize(
    ("text", "named"),
    [("", "none given"), ("1, x", "'x'"), ("1, -2", "'-2'"), ("4, 4", "4 is given twice")],
)
def test_bad_seeds_are_named(text, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        parse_seeds(text)


def test_too_many_seeds_are_refused():
    with pytest.raises(ValueError, match=f"at most {MAX_SEEDS}"):
        parse_seeds(" ".join(str(seed) for seed in range(MAX_SEEDS + 1)))


def test_the_lever_is_the_baseline_with_the_levers_changes():
    settings = Settings(baseline_preset="oda_cut", lever_preset="sids_priority")
    cut = presets()["oda_cut"].values
    assert settings.parameters("baseline") == {**cut, "scenario_name": "oda_cut"}
    lever = settings.with_change("lever", "fealac_fund_multiplier", 2.0)
    assert lever.parameters("lever") == {
        **cut,
        **presets()["sids_priority"].values,
        "fealac_fund_multiplier": 2.0,
        "scenario_name": "oda_cut + sids_priority + levers",
    }
    assert lever.value("baseline", "fealac_fund_multiplier") == 1.0  # the schema's default
    # The baseline's own ODA cut reaches the lever; choosing a lever preset clears hand-set levers.
    deeper = lever.with_change("baseline", "oda_cut_depth", 0.8)
    assert deeper.value("lever", "oda_cut_depth") == 0.8
    assert deeper.name("baseline") == "oda_cut + ODA cut"
    assert deeper.with_preset("lever", "baseline").parameters("lever") == deeper.parameters(
        "baseline"
    ) | {"scenario_name": "oda_cut + ODA cut"}
    assert deeper.with_preset("baseline", "baseline").value("lever", "oda_cut_depth") == 0.0
    with pytest.raises(KeyError, match="sids_priority"):
        settings.with_change("baseline", "sids_priority", 1.0)
    with pytest.raises(KeyError, match="no_such_preset"):
        settings.with_preset("baseline", "no_such_preset")


# --- the comparison ----------------------------------------------------------------------------


def _stepped(settings: Settings, steps: int, world) -> Comparison:
    comparison = Comparison(settings, world)
    for _ in range(steps):
        assert comparison.step()
    return comparison


def test_a_lever_without_changes_matches_its_baseline_exactly(world):
    comparison = _stepped(Settings(lever_preset="baseline", seeds=(3, 4)), 3, world)
    series = comparison.series()
    assert series.latest == "2025 Q3" and series.period == 3
    for row in readout_rows(series):
        assert row.difference == 0.0 and row.baseline == row.lever, row.readout.label


def test_each_run_is_the_model_of_its_seed_and_parameters(world):
    settings = Settings(seeds=(5,))
    comparison = _stepped(settings, 2, world)
    for arm in ("baseline", "lever"):
        alone = SSCModel(rng=5, **settings.parameters(arm)).run(2)
        np.testing.assert_array_equal(
            comparison.series().levels(arm, "actions_total")[0],
            alone.timeseries_frame()["actions_total"].to_numpy(dtype=np.float64),
        )


def test_an_oda_cut_lever_lowers_northern_co_funding_paired_by_seed(world):
    settings = (
        Settings(baseline_preset="baseline", lever_preset="baseline", seeds=(1, 2))
        .with_change("lever", "oda_cut_depth", 0.5)
        .with_change("lever", "oda_cut_start_year", 2025)
    )
    series = _stepped(settings, 4, world).series()
    column = "funding_northern_triangular_usd"
    paired = series.difference(column)
    np.testing.assert_allclose(
        paired, series.levels("lever", column) - series.levels("baseline", column)
    )
    row = next(r for r in readout_rows(series) if r.readout.column == column)
    totals = {arm: series.levels(arm, column).sum(axis=1) / 1e6 for arm in ("baseline", "lever")}
    assert row.baseline == pytest.approx(totals["baseline"].mean())
    assert row.difference == pytest.approx((totals["lever"] - totals["baseline"]).mean())
    assert row.difference < 0 and row.percent is not None and row.percent < 0
    assert row.percent == pytest.approx(100 * row.difference / abs(row.baseline))


def test_change_is_undefined_where_the_baseline_is_zero(world):
    series = Comparison(Settings(seeds=(1,)), world).series()  # the initial state: no flows yet
    flows = [row for row in readout_rows(series) if row.readout.to_date]
    assert flows and all(row.baseline == 0 and row.percent is None for row in flows)
    assert {row.readout.label for row in readout_rows(series)} == {r.label for r in READOUTS}


def test_a_comparison_stops_at_its_horizon(world):
    comparison = Comparison(Settings(seeds=(1,), baseline_changes={"steps": 2}), world)
    assert comparison.step() and comparison.step()
    assert comparison.finished and not comparison.step() and comparison.period == 2


def test_an_invalid_lever_value_is_named_before_any_step(world):
    with pytest.raises(ConfigError, match=r"oda_cut_depth = 1\.5"):
        Comparison(Settings(lever_changes={"oda_cut_depth": 1.5}), world)


# --- the charts --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stepped(world) -> Comparison:
    settings = Settings(baseline_preset="baseline", lever_preset="no_interregional_platforms")
    return _stepped(dataclasses.replace(settings, seeds=(1, 2)), 3, world)


def test_each_chart_is_in_years_with_its_unit_and_both_arms(stepped):
    series = stepped.series()
    units = [chart.unit for chart in app_charts.CHARTS]
    assert len(set(units)) == len(units)  # one chart per quantity scale
    for chart in app_charts.CHARTS:
        figure = app_charts.quantity_figure(chart, series)
        levels, difference = figure.axes
        assert levels.get_ylabel() == chart.unit
        assert difference.get_xlabel() == "year"
        assert difference.get_xlim() == (series.start_year, series.end_time)
        assert len(levels.get_lines()) == 2 * len(chart.lines)  # lever and baseline
        first = chart.lines[0]
        drawn = difference.get_lines()[0].get_ydata()
        expected = series.difference(first.column).mean(axis=0) / chart.scale
        np.testing.assert_allclose(drawn, expected[1:] if chart.flow else expected)
        assert app_charts.png(figure).startswith(b"\x89PNG")


def test_a_caption_states_the_last_difference_of_each_series(stepped):
    series = stepped.series()
    chart = next(chart for chart in app_charts.CHARTS if chart.key == "ties")
    gap = series.difference("interregional_ties")[:, -1].mean()
    text = app_charts.caption(chart, series)
    assert text.startswith("2025 Q3") and f"{gap:+.1f}" in text
    assert gap < 0  # no interregional platforms: fewer Asia-Pacific to LAC ties


def test_the_region_view_draws_every_tie_and_the_whole_circle(stepped):
    series = stepped.series()
    baseline, lever = stepped.models["baseline"][0], stepped.models["lever"][0]
    figure = app_charts.region_figure(series, baseline, lever)
    for axes, arm in zip(figure.axes, ("baseline", "lever"), strict=True):
        purple = [c for c in axes.collections if isinstance(c, LineCollection)][1]
        assert len(purple.get_segments()) == series.levels(arm, "interregional_ties")[0, -1]
        (left, right), (bottom, top) = axes.get_xlim(), axes.get_ylim()
        countries = np.vstack([points.get_offsets() for points in axes.collections[2:]])
        assert len(countries) == baseline.n_south
        assert (countries[:, 0] > left).all() and (countries[:, 0] < right).all()
        assert (countries[:, 1] > bottom).all() and (countries[:, 1] < top).all()
    figure.canvas.draw()
    page = figure.bbox
    for part in [*figure.axes, *figure.legends]:  # circles and legend wholly inside the figure
        box = part.get_window_extent()
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1


# --- the page in a browser ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_url() -> Iterator[str]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        message = "no Chromium: run scripts/install_browser.sh as root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    solara = shutil.which("solara", path=str(Path(sys.executable).parent))
    assert solara is not None, "solara is not installed beside this Python"
    log = (ARTIFACTS / "app-server.log").open("wb")
    server = subprocess.Popen(
        [solara, "run", "sscsim/app.py", "--port", str(port), "--host", "127.0.0.1", "--no-open"],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(url, timeout=5).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not start within 120 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _number(text: str) -> float:
    """A number as the page prints it: ``+1,234.5``, ``-0.0041``, ``-3.2 %``."""
    return float(text.replace(",", "").replace("−", "-").removesuffix("%").strip())


class AppPage:
    """The app as a user sees it: its controls by label, its figures read from the page."""

    def __init__(self, browser, timeout: float = 120) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.browser = browser
        self.wait = WebDriverWait(browser, timeout, poll_frequency=0.3)

    def until(self, condition: Callable[[], object], what: str) -> None:
        from selenium.common.exceptions import StaleElementReferenceException, TimeoutException

        def check(_driver) -> object:
            try:
                return condition()
            except (StaleElementReferenceException, ValueError, StopIteration):
                return False

        try:
            self.wait.until(check)
        except TimeoutException:
            pytest.fail(f"timed out waiting for {what}; the page says:\n{self.text()[:3000]}")

    def text(self) -> str:
        from selenium.webdriver.common.by import By

        return self.browser.find_element(By.TAG_NAME, "body").text

    def status(self) -> str:
        """The first line of the status: the date of the runs, e.g. ``2025 Q1: quarter 1 ...``."""
        return next(line for line in self.text().splitlines() if ": quarter " in line)

    def period(self) -> int:
        match = re.search(r"quarter (\d+) of", self.status())
        assert match is not None
        return int(match.group(1))

    def readouts(self) -> dict[str, list[float]]:
        """The headline table: quantity -> [baseline, lever, difference, change or NaN]."""
        from selenium.webdriver.common.by import By

        table = {}
        for row in self.browser.find_elements(By.CSS_SELECTOR, "table tr"):
            cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            if cells:
                table[cells[0]] = [_number(c) if c != "n/a" else float("nan") for c in cells[2:]]
        return table

    def captions(self) -> list[str]:
        from selenium.webdriver.common.by import By

        return [e.text for e in self.browser.find_elements(By.CSS_SELECTOR, ".chart-caption")]

    def images(self) -> list[str]:
        from selenium.webdriver.common.by import By

        return [
            e.get_attribute("src") or "" for e in self.browser.find_elements(By.TAG_NAME, "img")
        ]

    def card(self, title: str):
        from selenium.webdriver.common.by import By

        return next(
            card
            for card in self.browser.find_elements(By.CSS_SELECTOR, ".v-card")
            if card.find_elements(By.CSS_SELECTOR, ".v-card__title")
            and card.find_element(By.CSS_SELECTOR, ".v-card__title").text == title
        )

    def control_label(self, card: str, label: str) -> str:
        """The full label of a card's slider or checkbox (it shows the value)."""
        from selenium.webdriver.common.by import By

        return next(
            element.text
            for element in self.card(card).find_elements(By.CSS_SELECTOR, ".v-label")
            if element.text.startswith(f"{label}:")
        )

    def shows(self, card: str, label: str, expected: str) -> None:
        """Wait until a card's control shows `expected` as its label."""
        self.until(lambda: self.control_label(card, label) == expected, f"{label!r}: {expected!r}")

    def nudge(self, card: str, label: str, key: str, times: int) -> None:
        """Move a card's slider by `times` steps with the arrow keys, as a keyboard user does,
        waiting for the page to show each new value."""
        from selenium.webdriver.common.by import By

        for _ in range(times):
            before = self.control_label(card, label)
            slider = next(
                element
                for element in self.card(card).find_elements(By.CSS_SELECTOR, ".v-input__slider")
                if element.find_element(By.CSS_SELECTOR, ".v-label").text.startswith(f"{label}:")
            )
            slider.find_element(By.CSS_SELECTOR, "[role=slider]").send_keys(key)
            self.until(functools.partial(self._label_is_not, card, label, before), "a move")

    def _label_is_not(self, card: str, label: str, before: str) -> bool:
        return self.control_label(card, label) != before

    def choose(self, card: str, label: str, option: str) -> None:
        """Pick an option of a card's drop-down list."""
        from selenium.webdriver.common.by import By

        select = next(
            element
            for element in self.card(card).find_elements(By.CSS_SELECTOR, ".v-select")
            if element.text.startswith(label)
        )
        select.find_element(By.CSS_SELECTOR, ".v-select__slot").click()

        def item():
            return next(
                element
                for element in self.browser.find_elements(
                    By.CSS_SELECTOR, ".menuable__content__active .v-list-item"
                )
                if element.text == option
            )

        self.until(item, f"the option {option} of {label}")
        item().click()
        self.until(lambda: option in select.text.splitlines(), f"{label} to be {option}")

    def press(self, label: str) -> None:
        """Click a button by its label once it is enabled (the page may redraw it meanwhile)."""
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By

        def click() -> bool:
            button = next(
                b
                for b in self.browser.find_elements(By.TAG_NAME, "button")
                if b.text.strip().upper() == label.upper()
            )
            if not button.is_enabled():
                return False
            try:
                button.click()
            except StaleElementReferenceException:
                return False
            return True

        self.until(click, f"{label} to be clicked")


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                     "--window-size=1400,1000"):  # fmt: skip
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


CHARTS_ON_PAGE = len(app_charts.CHARTS) + 1  # and the region view


@pytest.mark.browser
def test_reset_sliders_step_play_and_a_lever_comparison_in_the_browser(app_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser = _browser()
    page = AppPage(browser)
    screenshot, failure = ARTIFACTS / "app.png", ARTIFACTS / "app-failure.png"
    for stale in (screenshot, failure):
        stale.unlink(missing_ok=True)
    try:
        browser.get(app_url)
        page.until(lambda: len(page.images()) >= CHARTS_ON_PAGE, "the charts")
        page.until(lambda: page.status().startswith("start of 2025"), "the initial state")

        # Reset on a freshly started server rebuilds the runs without an error.
        page.press("Reset")
        page.until(lambda: page.period() == 0 and "Reset failed" not in page.text(), "Reset")
        started = page.images()
        assert all(started) and len(started) == CHARTS_ON_PAGE

        # Step: one quarter in both runs; every chart is redrawn for 2025 Q1.
        page.press("Step")
        page.until(lambda: page.status().startswith("2025 Q1"), "a step")
        page.until(
            lambda: (
                all(c.startswith("2025 Q1") for c in page.captions())
                and all(a != b for a, b in zip(page.images(), started, strict=True))
            ),
            "every chart to show 2025 Q1",
        )
        baseline, lever, _, _ = page.readouts()["Actions since 2025"]
        assert baseline > 0 and lever > 0

        # Another browser session has runs of its own, at the start.
        first = browser.current_window_handle
        browser.switch_to.new_window("tab")
        browser.get(app_url)
        page.until(lambda: page.status().startswith("start of 2025"), "a second session")
        browser.close()
        browser.switch_to.window(first)
        assert page.status().startswith("2025 Q1")

        # The baseline: no ODA cut; the lever: half of ODA cut from 2025, set with the sliders.
        page.choose("Baseline", "Baseline scenario", "baseline")
        page.choose("Lever (on top of the baseline)", "Lever scenario", "baseline")
        page.shows("Baseline", "ODA cut (share)", "ODA cut (share): 0.00")
        lever_card = "Lever (on top of the baseline)"
        page.nudge(lever_card, "ODA cut (share)", Keys.ARROW_RIGHT, 10)
        page.nudge(lever_card, "ODA cut from", Keys.ARROW_LEFT, 1)
        page.shows(lever_card, "ODA cut (share)", "ODA cut (share): 0.50 (baseline 0.00)")
        assert (
            page.control_label(lever_card, "ODA cut from") == "ODA cut from: 2025 (baseline 2026)"
        )
        assert "Changed settings take effect on Reset." in page.text()
        page.press("Reset")
        page.until(lambda: page.period() == 0, "Reset with the new settings")
        assert "lever: baseline + levers" in page.text()

        # Play runs a year a frame until paused; paused, the runs stay where they are.
        page.press("Play")
        page.until(lambda: page.period() >= 8, "two years of play")
        page.press("Pause")
        clicked = page.period()
        page.until(
            lambda: any(
                b.text == "PLAY" and b.is_enabled()
                for b in browser.find_elements(By.TAG_NAME, "button")
            ),
            "Pause to take effect",
        )
        paused = page.period()
        assert paused - clicked <= 4  # at most the year under way
        time.sleep(2)
        assert page.period() == paused
        date = page.status().partition(":")[0]
        page.until(lambda: all(c.startswith(date) for c in page.captions()), f"charts of {date}")
        table = page.readouts()
        baseline, lever, difference, change = table["Northern triangular co-funding since 2025"]
        assert lever < baseline and difference < 0 and change < 0
        assert difference == pytest.approx(lever - baseline, abs=0.016)  # 3 numbers to 2 decimals
        funding = next(c for c in page.captions() if "USD million" in c)
        shown = re.search(r"northern triangular co-funding ([+-][\d.]+)", funding)
        assert shown is not None and float(shown.group(1)) < 0
        assert table["Triangular actions since 2025"][2] < 0

        # A lever preset: no interregional platforms; Reset and Step on other seeds.
        page.choose(lever_card, "Lever scenario", "no_interregional_platforms")
        page.shows(
            lever_card, "Interregional platforms", "Interregional platforms: off (baseline on)"
        )
        page.shows(lever_card, "ODA cut (share)", "ODA cut (share): 0.00")
        seeds = next(
            e for e in browser.find_elements(By.CSS_SELECTOR, "input[type=text]")
            if e.get_attribute("value") == "1, 2"
        )  # fmt: skip
        seeds.send_keys(Keys.BACK_SPACE * 4 + "3")
        page.until(lambda: "On Reset: seeds 3\n" in page.text(), "the new seeds")
        assert "Changed settings take effect on Reset." in page.text()
        page.press("Reset")
        page.until(lambda: page.period() == 0 and "seeds 3" in page.status(), "Reset on seed 3")
        for quarter in (1, 2):
            page.press("Step")
            page.until(lambda q=quarter: page.period() == q, f"step {quarter}")
        page.until(lambda: all(c.startswith("2025 Q2") for c in page.captions()), "the charts")
        ties = page.readouts()["Asia-Pacific to LAC ties"]
        assert ties[1] < ties[0] and ties[2] < 0

        browser.set_window_size(1400, 3400)  # the whole page: table, charts, network
        assert browser.save_screenshot(str(screenshot))
        assert screenshot.stat().st_size > 0
        assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    finally:
        if not screenshot.exists():  # the page as it stood when the test failed
            browser.save_screenshot(str(failure))
        browser.quit()
