"""The package as a new user gets it: the Python guard, the optional extras, and (slow) a wheel
built from the tracked files, installed without -e into a fresh virtual environment and run from a
folder outside the clone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sscsim import _check_python
from sscsim.extras import OPTIONAL, MissingExtraError, require
from sscsim.results import TABLES

REPO = Path(__file__).resolve().parent.parent
OLD_PYTHON = "sscsim needs Python 3.12 or newer (found 3.11)"


@pytest.mark.parametrize("version", [(3, 12, 0, "final", 0), (3, 13, 1), (4, 0)])
def test_supported_pythons_pass_the_guard(version):
    _check_python(version)


@pytest.mark.parametrize(
    ("version", "message"),
    [((3, 11, 9, "final", 0), OLD_PYTHON), ((3, 8), "(found 3.8)"), ((2, 7, 18), "(found 2.7)")],
)
def test_older_pythons_are_told_what_is_needed(version, message):
    with pytest.raises(RuntimeError, match=r"sscsim needs Python 3\.12 or newer") as error:
        _check_python(version)
    assert message in str(error.value)


@pytest.fixture
def python_3_11(tmp_path) -> dict[str, str]:
    """An environment in which Python reports itself as 3.11 (a sitecustomize on PYTHONPATH)."""
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nsys.version_info = (3, 11, 9, 'final', 0)\n"
    )
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}


def test_import_on_an_old_python_says_what_is_needed(python_3_11):
    result = subprocess.run(
        [sys.executable, "-c", "import sscsim"],
        capture_output=True,
        text=True,
        env=python_3_11,
        check=False,
    )
    assert result.returncode != 0
    assert f"RuntimeError: {OLD_PYTHON}" in result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_on_an_old_python_says_what_is_needed(python_3_11, tmp_path):
    folder = tmp_path / "clone"
    folder.mkdir()
    (folder / "pyproject.toml").touch()  # the venv target's prerequisite; nothing is installed
    result = subprocess.run(
        ["make", "-f", str(REPO / "Makefile"), "venv", f"PYTHON={sys.executable}"],
        capture_output=True,
        text=True,
        cwd=folder,
        env=python_3_11,
        check=False,
    )
    assert result.returncode != 0
    assert OLD_PYTHON in result.stderr
    assert not (folder / ".venv").exists()


def test_a_missing_extra_is_named_with_its_install_command(monkeypatch):
    monkeypatch.setitem(OPTIONAL, "sscsim_no_such_module", ("no-such-dist", "bench"))
    with pytest.raises(MissingExtraError) as error:
        require("sscsim_no_such_module.sub", "python -m sscsim.bench")
    assert str(error.value) == (
        "python -m sscsim.bench needs no-such-dist, which is not installed: "
        'pip install "sscsim[bench]"'
    )


def test_a_broken_optional_package_is_not_mistaken_for_a_missing_extra(monkeypatch, tmp_path):
    (tmp_path / "sscsim_broken_extra.py").write_text("import sscsim_its_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(OPTIONAL, "sscsim_broken_extra", ("broken", "bench"))
    with pytest.raises(ModuleNotFoundError) as error:
        require("sscsim_broken_extra", "a test")
    assert not isinstance(error.value, MissingExtraError)
    assert error.value.name == "sscsim_its_missing_dependency"


def test_sensitivity_and_bench_stop_before_work_without_their_extras(monkeypatch, tmp_path, capsys):
    from sscsim.bench import main as bench_main
    from sscsim.sensitivity import main as sensitivity_main

    for name in ("SALib", "scipy", "scipy.sparse"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    out = tmp_path / "sensitivity"
    assert sensitivity_main(["run", "--out", str(out)]) == 2
    assert 'pip install "sscsim[sensitivity]"' in capsys.readouterr().err
    assert not out.exists()
    assert bench_main(["--quick", "--out", str(tmp_path / "bench")]) == 2
    assert 'pip install "sscsim[bench]"' in capsys.readouterr().err
    assert not (tmp_path / "bench").exists()


def test_packaged_sensitivity_plans_are_found_by_name(tmp_path, monkeypatch):
    from sscsim.sensitivity import PLANS_DIR, plan_path

    monkeypatch.chdir(tmp_path)
    assert plan_path("morris") == PLANS_DIR / "morris.yaml"
    assert plan_path("default.yaml") == PLANS_DIR / "default.yaml"
    (tmp_path / "morris.yaml").write_text("method: morris\n")
    assert plan_path("morris.yaml") == Path("morris.yaml")  # a file of one's own comes first
    assert plan_path("elsewhere/morris") == Path("elsewhere/morris")


# --- a non-editable install, used from outside the clone -------------------------------------


def _run(command: list, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    # Nothing of the clone or of the test's own environment may leak into the new one.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(python of a fresh venv holding the wheel of the tracked files, a folder outside the
    clone). Dependencies come from the package index as for any user (pip's cache helps)."""
    if _run(["git", "rev-parse", "--git-dir"], REPO).returncode != 0:
        pytest.skip("needs a git checkout to know the tracked files")
    root = tmp_path_factory.mktemp("install")
    # The tracked files as they are in the working tree: uncommitted edits are tested,
    # untracked junk (results, caches, notebooks' checkpoints) is not shipped.
    listed = _run(["git", "ls-files", "-z"], REPO)
    assert listed.returncode == 0, listed.stderr
    source = root / "source"
    for name in filter(None, listed.stdout.split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    wheels = root / "wheels"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", wheels, source], root)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("sscsim-*.whl")
    venv = root / "venv"
    created = _run([sys.executable, "-m", "venv", venv], root)
    assert created.returncode == 0, created.stderr
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", wheel]
    done = _run(pip, root, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    outside = root / "elsewhere"
    outside.mkdir()
    yield python, outside
    shutil.rmtree(venv, ignore_errors=True)  # about 800 MB


@pytest.mark.slow
def test_the_installed_copy_is_the_one_imported(installed):
    python, outside = installed
    result = _run([python, "-c", "import sscsim; print(sscsim.__file__)"], outside)
    assert result.returncode == 0, result.stderr
    imported = Path(result.stdout.strip())
    assert imported.is_relative_to(python.parent.parent), imported
    assert not imported.is_relative_to(REPO)


@pytest.mark.slow
def test_a_run_from_outside_the_clone_writes_under_that_folder(installed):
    python, outside = installed
    result = _run([python, "-m", "sscsim", "steps=4"], outside)
    assert result.returncode == 0, result.stderr
    (run,) = (outside / "results" / "runs").iterdir()
    assert {"summary.json", "config.yaml", *(f"{t}.parquet" for t in TABLES)} <= {
        p.name for p in run.iterdir()
    }
    console = _run([python.parent / "sscsim", "--help"], outside)  # the console script
    assert console.returncode == 0, console.stderr
    assert "scenario=NAME" in console.stdout and "oda_cut" in console.stdout  # the packaged groups


@pytest.mark.slow
def test_a_sweep_from_outside_the_clone_uses_the_packaged_launcher(installed):
    python, outside = installed
    sweep = ["-m", "seed=1,2", "steps=2", "output.figures=false", "hydra/launcher=local"]
    result = _run([python, "-m", "sscsim", *sweep, "hydra.launcher.workers=2"], outside)
    assert result.returncode == 0, result.stderr
    (folder,) = (outside / "results" / "sweeps").iterdir()
    assert (folder / "sweep_summary.parquet").exists()


@pytest.mark.slow
def test_sensitivity_from_outside_the_clone(installed):
    python, outside = installed
    helped = _run([python, "-m", "sscsim.sensitivity", "--help"], outside)
    assert helped.returncode == 0 and "--config" in helped.stdout, helped.stderr
    # A plain install has no SALib: the cheapest real invocation names the extra.
    sampled = _run([python, "-m", "sscsim.sensitivity", "sample", "--config", "morris"], outside)
    assert sampled.returncode == 2
    assert 'pip install "sscsim[sensitivity]"' in sampled.stderr


@pytest.mark.slow
def test_quick_benchmark_from_outside_the_clone(installed):
    python, outside = installed
    # scipy, the bench extra, comes with Mesa, so a plain install runs the benchmarks too.
    result = _run([python, "-m", "sscsim.bench", "--quick"], outside)
    assert result.returncode == 0, result.stderr
    assert (outside / "results" / "bench" / "bench.json").exists()
    assert (outside / "results" / "bench" / "bench.png").stat().st_size > 10_000
