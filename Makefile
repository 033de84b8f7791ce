# Two commands do all the set-up on a fresh clone: `make lab` and `make test`.
# Both create .venv and install the project into it the first time (and again only when
# pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
NOTEBOOKS ?= $(sort $(wildcard notebooks/[0-9]*.ipynb))
# pytest-xdist processes for the unit tests and the notebook runs (each notebook stays on one worker)
WORKERS ?= 2
export PYTHONHASHSEED := 0

.PHONY: lab present test lint unit nbval liveplots browser notebooks slides site student bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "hotcache-lab needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

lab: $(STAMP)  ## open JupyterLab on the notebooks (loopback only, token kept)
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser $(ROOT_FLAG) --ServerApp.root_dir=notebooks

present: $(STAMP)  ## JupyterLab with RISE: present a notebook as live slides (the RISE button in the toolbar)
	$(BIN)/python -m pip install --quiet -e '.[test,present]'
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser $(ROOT_FLAG) --ServerApp.root_dir=notebooks

test: lint unit nbval browser  ## everything CI runs

lint: $(STAMP)
	$(BIN)/ruff check hotcache_lab tests benchmarks data

unit: $(STAMP)
	$(BIN)/python -m pytest -n $(WORKERS) -m "not browser and not notebooks" tests

browser: $(STAMP)  ## every notebook in JupyterLab and every deck at 1280x800, in headless Chromium (make test: 3 a day)
	HOTCACHE_BROWSER_NOTEBOOKS=$(or $(BROWSER_NOTEBOOKS),$(if $(filter test,$(MAKECMDGOALS)),rotate,all)) \
	  $(BIN)/python -m pytest -m browser tests

nbval: $(STAMP)  ## every notebook, run top to bottom, checked cells compared, then every live plot's controls moved
	$(BIN)/python -m pytest -p no:cacheprovider -p tests.nbval_live_plots -n $(WORKERS) --dist loadfile \
	  --nbval-lax --nbval-current-env \
	  --nbval-sanitize-with notebooks/sanitize.cfg $(NOTEBOOKS)

liveplots: $(STAMP)  ## nbval's live-plot check alone, in a kernel of its own (make liveplots NOTEBOOKS=...)
	NOTEBOOKS="$(NOTEBOOKS)" $(BIN)/python -m pytest -p no:cacheprovider -n $(WORKERS) -m notebooks \
	  tests/test_live_plots.py

notebooks: $(STAMP)  ## re-run notebooks in place and store their outputs (make notebooks NOTEBOOKS=notebooks/04_x.ipynb)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=120 --ExecutePreprocessor.kernel_name=python3 $(NOTEBOOKS)

SLIDES := build/slides
NM := node_modules
slides: $(STAMP)  ## one offline reveal.js deck per notebook in build/slides/ (assets from npm, not a CDN)
	mkdir -p $(SLIDES)
	cp tools/slides/package.json tools/slides/package-lock.json $(SLIDES)/
	cd $(SLIDES) && npm ci --no-audit --no-fund --silent
	$(BIN)/jupyter nbconvert --to slides --output-dir $(SLIDES) \
	  --template-file tools/slides/offline.html.j2 \
	  --SlidesExporter.reveal_url_prefix=$(NM)/reveal.js --SlidesExporter.reveal_theme=white \
	  --SlidesExporter.font_awesome_url=$(NM)/font-awesome/css/font-awesome.css \
	  --HTMLExporter.require_js_url=$(NM)/requirejs/require.js \
	  --HTMLExporter.jquery_url=$(NM)/jquery/dist/jquery.min.js \
	  --HTMLExporter.mathjax_url='$(NM)/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe' \
	  --HTMLExporter.widget_renderer_url=$(NM)/@jupyter-widgets/html-manager/dist/embed-amd.js \
	  $(NOTEBOOKS)
	@echo "decks in $(SLIDES)/: open one in a browser, or present live in JupyterLab with RISE"

student: $(STAMP)  ## copies without solutions (cells tagged solution) and without outputs, in student/
	$(BIN)/jupyter nbconvert --to notebook --output-dir student \
	  --TagRemovePreprocessor.enabled=True --TagRemovePreprocessor.remove_cell_tags=solution \
	  --ClearOutputPreprocessor.enabled=True $(NOTEBOOKS)

site: $(STAMP)  ## the lessons as an offline static book in build/site/, from their committed outputs (nothing run)
	$(BIN)/python tools/site/build.py

bench: $(STAMP)  ## ratios against functools, cachetools, OrderedDict (and libCacheSim), and slider moves
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/bench_memoize.py
	$(BIN)/python benchmarks/bench_mrc.py
	$(BIN)/python benchmarks/bench_libcachesim.py
	$(BIN)/python benchmarks/bench_sliders.py

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
