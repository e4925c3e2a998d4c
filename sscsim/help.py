"""What `python -m sscsim --help`, `--version` and `--list` print, before Hydra sees the command.

Hydra's own `--help` describes Hydra and its `--version` prints Hydra's version; a researcher
needs what a run does, where it writes and which presets exist. The presets are read from the
packaged configs (`sscsim/conf/`): each group of the run's defaults list and each group under
`hydra/`, and each option's header comment, so that a new scenario or experiment appears here
without touching this module. Hydra is not imported: this module reads the YAML files itself.
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
import shutil
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import yaml

from sscsim.config import SECTIONS, SSCConfig

PROGRAM = "python -m sscsim"
HELP_FLAGS = ("--help", "-h")
VERSION_FLAG = "--version"
LIST_FLAG = "--list"
CONFIG_PACKAGE = "sscsim.conf"
HYDRA_GROUP = "hydra"  # Hydra's own groups live under hydra/ (the launcher presets)
# A summary longer than this (characters) loses its asides, then its end: two lines of the page.
SUMMARY_LENGTH = 150
WIDTH_LIMITS = (72, 100)  # the text's width, in columns: the terminal's, within these bounds
VERSIONS_SHOWN = ("mesa", "numba", "numpy", "hydra-core")  # beside sscsim's own, in --version


@dataclass(frozen=True)
class ConfigOption:
    """One packaged preset: `group=name` on the command line.

    `description` is the prose of the file's header comment (its first paragraph, without the
    example commands), `examples` the commands the header shows."""

    group: str
    name: str
    description: str
    examples: tuple[str, ...]

    @property
    def summary(self) -> str:
        """The description in one line: its first sentence, shortened (see `one_line`)."""
        return one_line(self.description)


def package_version() -> str:
    """The installed distribution's version (the one pip and CITATION.cff report)."""
    try:
        return importlib.metadata.version("sscsim")
    except importlib.metadata.PackageNotFoundError:  # a source tree on PYTHONPATH, never installed
        import sscsim

        return f"{sscsim.__version__} (not installed)"


def version_text() -> str:
    """`sscsim X.Y.Z`, then the interpreter's and the main libraries' versions."""
    versions = [f"python {platform.python_version()}"]
    for name in VERSIONS_SHOWN:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} not installed")
    return f"sscsim {package_version()}\n{', '.join(versions)}"


# --- the packaged configs -------------------------------------------------------------------


def _config_root() -> Traversable:
    return files(CONFIG_PACKAGE)


def read_header(text: str) -> tuple[str, tuple[str, ...]]:
    """The prose and the example commands of a YAML file's leading comment block.

    Indented comment lines (`#   python -m sscsim ...`) are examples, the other lines prose,
    joined into one paragraph; Hydra directives (`# @package`) are skipped."""
    prose: list[str] = []
    examples: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line.removeprefix("#")
        if not body.strip() or body.strip().startswith("@"):
            continue
        (examples if body.startswith("  ") else prose).append(body.strip())
    return " ".join(prose), tuple(examples)


def _drop_asides(sentence: str) -> str:
    """The sentence without its parenthesised remarks (nested ones included)."""
    while True:
        shorter = re.sub(r"\s*\([^()]*\)", "", sentence)
        if shorter == sentence:
            return sentence
        sentence = shorter


def one_line(description: str, length: int = SUMMARY_LENGTH) -> str:
    """A short summary of a config's description, for the help page: its first sentence; if
    longer than `length` characters, without its parenthesised asides, and if still longer, cut
    at a word and marked with an ellipsis (`--list` prints the whole)."""
    first = re.split(r"(?<=[.!?])\s", description.strip(), maxsplit=1)[0]
    sentence = first.removesuffix(".")
    if len(sentence) > length:
        sentence = _drop_asides(sentence)
    if len(sentence) > length:
        sentence = sentence[: length - 1].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return sentence


def _defaults() -> list[Any]:
    text = _config_root().joinpath("config.yaml").read_text(encoding="utf-8")
    return list(yaml.safe_load(text).get("defaults", []))


def default_choices() -> dict[str, str | None]:
    """Group -> the option the main config picks (None: nothing unless asked, e.g. experiment)."""
    choices: dict[str, str | None] = {}
    for entry in _defaults():
        if isinstance(entry, dict):
            ((group, option),) = entry.items()
            choices[str(group).removeprefix("override ")] = option
    return choices


def config_groups() -> list[str]:
    """The groups a run chooses from: those of the main config's defaults list, then Hydra's
    groups that the package ships presets for (`hydra/launcher`, `hydra/sweeper`), each once."""
    root = _config_root()
    groups = [g for g in default_choices() if root.joinpath(g).is_dir()]
    hydra = root.joinpath(HYDRA_GROUP)
    if hydra.is_dir():
        shipped = sorted(f"{HYDRA_GROUP}/{p.name}" for p in hydra.iterdir() if p.is_dir())
        groups += [g for g in shipped if g not in groups]
    return groups


def config_options(group: str) -> list[ConfigOption]:
    """The packaged options of `group` (e.g. "scenario"), by name, each with its header."""
    folder = _config_root().joinpath(*group.split("/"))
    options = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            description, examples = read_header(entry.read_text(encoding="utf-8"))
            name = entry.name.removesuffix(".yaml")
            options.append(ConfigOption(group, name, description, examples))
    return options


# --- the texts ------------------------------------------------------------------------------


def _width() -> int:
    low, high = WIDTH_LIMITS
    return max(low, min(high, shutil.get_terminal_size((high, 24)).columns))


def _wrap(text: str, width: int, indent: int = 0, first: str | None = None) -> list[str]:
    """`text` wrapped to `width` columns under an indent of `indent`, the first line led by
    `first` instead when given; a number stays on the line of its unit (`20 %`)."""
    held = re.sub(r"(\d) (%|GB|s\b)", "\\1\u00a0\\2", text)
    lines = textwrap.wrap(
        held,
        width,
        initial_indent=" " * indent if first is None else first,
        subsequent_indent=" " * indent,
        break_on_hyphens=False,
        break_long_words=False,
    )
    return [line.replace("\u00a0", " ") for line in lines] or [(first or "").rstrip()]


def _rows(rows: Sequence[tuple[str, str]], width: int, indent: int = 2) -> list[str]:
    """Two columns, the second wrapped under itself."""
    column = max((len(left) for left, _ in rows), default=0) + indent + 2
    return [
        line
        for left, right in rows
        for line in _wrap(right, width, column, first=" " * indent + left.ljust(column - indent))
    ]


def _group_heading(group: str) -> str:
    default = default_choices().get(group)
    return f"{group}=NAME" + (f" (default {default})" if default else "")


EXAMPLES = (
    (f"{PROGRAM}", "one run of the default scenario"),
    (f"{PROGRAM} scenario=oda_cut seed=3 steps=40", "a named scenario, another seed, 40 quarters"),
    (
        f"{PROGRAM} scenario.oda_cut_depth=0.3 funding.triangular_budget_scale=0.3",
        "any parameter by its dotted path",
    ),
    (
        f"{PROGRAM} -m scenario=oda_cut scenario.oda_cut_depth=0.0,0.5 seed=1,2 steps=8",
        "a sweep: every combination (4 runs), one folder each",
    ),
    (
        f"{PROGRAM} -m experiment=oda_cuts hydra/launcher=local",
        "a packaged experiment, in parallel on this machine's cores",
    ),
    (
        f"{PROGRAM} -m experiment=levers hydra/launcher=slurm",
        "the same on a Slurm cluster, one job per run",
    ),
    ("python -m sscsim.analyze results/sweeps/oda_cuts", "aggregate a sweep (again)"),
    (f"{PROGRAM} seed=3 hydra.run.dir=results/my_run", "a run into a folder of your choice"),
    (f"{PROGRAM} --cfg job scenario=oda_cut", "print the composed configuration, run nothing"),
)

HYDRA_OPTIONS = (
    ("--hydra-help", "Hydra's own flags"),
    ("--cfg job|hydra|all", "print the configuration that would run, run nothing"),
    ("--info [defaults|searchpath|plugins|...]", "where the configuration comes from"),
    ("-m, --multirun", "run every combination of comma-separated values (a sweep)"),
    ("--config-dir DIR", "add a folder of presets of your own (the layout of sscsim/conf)"),
)


def help_text() -> str:
    """The page of `python -m sscsim --help`."""
    width = _width()
    defaults = SSCConfig()
    about = (
        f"sscsim {package_version()}: an agent-based model of South-South and triangular"
        " cooperation. A run simulates the world's economies step by step (a step is a quarter)"
        f" from {defaults.start_year} to {defaults.end_year} ({defaults.n_steps} steps;"
        " `steps=N` runs fewer) and writes its tables (parquet), summary.json, the resolved"
        " config.yaml and figures into one folder."
    )
    where = (
        "Results go under the current folder: a run to"
        " results/runs/<date>_<time>_<overrides>/ (named by the command's overrides, by the"
        " scenario when there are none), a sweep to results/sweeps/<date>_<time>/<overrides>/"
        " (an experiment fixes its own sweep folder). Every command prints where its results went."
    )
    overrides = (
        "Overrides are Hydra's key=value: a preset of a config group (below), or any parameter by"
        f" its dotted path, in the sections {', '.join(SECTIONS)} (and seed, steps, ...). Every"
        " parameter, its default and unit: sscsim/config.py, or --cfg job."
    )
    lines = [
        f"usage: {PROGRAM} [OVERRIDE ...]            one run",
        f"       {PROGRAM} -m [OVERRIDE ...]         a sweep",
        f"       {PROGRAM} --help | --version | --list",
        "",
        *_wrap(about, width),
        "",
        *_wrap(where, width),
        "",
        *_wrap(overrides, width),
    ]
    for group in config_groups():
        lines += ["", f"{_group_heading(group)}:"]
        rows = [(option.name, option.summary) for option in config_options(group)]
        lines += _rows(rows, width)
    lines += ["", "examples:"]
    for command, purpose in EXAMPLES:
        lines += [f"  {command}", *_wrap(purpose, width, 6)]
    lines += ["", "Hydra's options (passed on to Hydra):", *_rows(HYDRA_OPTIONS, width)]
    more = (
        f"{PROGRAM} --list describes every preset in full. More: README.md, docs/ (the model:"
        " docs/ODD.md; sweeps and launchers: docs/sweeps.md)."
    )
    lines += ["", *_wrap(more, width)]
    return "\n".join(lines)


def list_text() -> str:
    """The page of `python -m sscsim --list`: every packaged preset, its description in full
    and the commands its file shows."""
    width = _width()
    lines: list[str] = []
    for group in config_groups():
        lines += [f"{_group_heading(group)}:"]
        for option in config_options(group):
            lines += [f"  {option.name}", *_wrap(option.description, width, 6)]
            lines += [f"      $ {example}" for example in option.examples]
        lines.append("")
    return "\n".join(lines).rstrip()


def answer(args: Sequence[str]) -> str | None:
    """sscsim's own page for `--help`/`-h`, `--version` or `--list` among `args` (the first
    found, in that order), or None when the command is Hydra's to parse."""
    if any(arg in HELP_FLAGS for arg in args):
        return help_text()
    if VERSION_FLAG in args:
        return version_text()
    if LIST_FLAG in args:
        return list_text()
    return None
