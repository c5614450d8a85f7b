# Two entry points (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench serve clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/blinrwe demo

# The web page on this computer only (http://127.0.0.1:8000/); see the README for a shared server.
serve: $(STAMP)
	$(BIN)/blinrwe serve

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --durations=25

# Statistics side by side with lifelines, scipy, statsmodels and R (when installed),
# then the whole report pipeline stage by stage at 1e3, 1e4 and 1e5 patients, upload to report
# shown at 100 patients, and the time-dependent Cox and Fine-Gray at 1e5 and 1e6 rows.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-bench.lock
	$(BIN)/python bench/run.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/interactive.py
	$(BIN)/python bench/time_dependent.py
	$(BIN)/python bench/counting.py
	$(BIN)/python bench/workbook.py
	$(BIN)/python bench/engine_counts.py
	$(BIN)/python bench/registry.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
