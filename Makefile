# Two commands do all the set-up on a fresh clone: `make lab` and `make test`.
# Both create .venv and install the project into it the first time (and again only when
# pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
NOTEBOOKS ?= $(sort $(wildcard notebooks/[0-9]*.ipynb))
export PYTHONHASHSEED := 0

.PHONY: lab test lint unit nbval browser notebooks bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "hotcache-lab needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

lab: $(STAMP)  ## open JupyterLab on the notebooks (loopback only, token kept)
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser $(ROOT_FLAG) --ServerApp.root_dir=notebooks

test: lint unit nbval  ## everything CI runs

lint: $(STAMP)
	$(BIN)/ruff check hotcache_lab tests benchmarks data

unit: $(STAMP)
	$(BIN)/python -m pytest tests

nbval: $(STAMP)  ## every notebook, run top to bottom, checked cells compared
	$(BIN)/python -m pytest -p no:cacheprovider --nbval-lax --nbval-current-env \
	  --nbval-sanitize-with notebooks/sanitize.cfg $(NOTEBOOKS)

notebooks: $(STAMP)  ## re-run notebooks in place and store their outputs (make notebooks NOTEBOOKS=notebooks/04_x.ipynb)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=300 --ExecutePreprocessor.kernel_name=python3 $(NOTEBOOKS)

bench: $(STAMP)  ## where the package stands against functools, cachetools and OrderedDict
	$(BIN)/python benchmarks/bench_memoize.py

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
