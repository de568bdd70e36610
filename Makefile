# Two entry points a newcomer needs: `make run` (the main job: model classes compared on digits) and
# `make test` (the whole suite). Both create the virtual environment on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test bench

setup: $(STAMP)

# torch is pinned to 2.13.0 (a CPU build) only where no torch is present yet: the package itself
# accepts a range, so a user's GPU build is kept.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# A GP, an MLP and a randomised tree on digits (experiments/digits.toml): the members are kept in
# runs/digits.db, so a second `make run` trains nothing; the report is runs/digits.html.
run: $(STAMP)
	@mkdir -p runs
	$(BIN)/inductive-bias experiment experiments/digits.toml --store runs/digits.db --report runs/digits.html

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/gp_exact.py
