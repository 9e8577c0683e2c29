# `make demo` serves the demo page; `make test` runs every test; `make release` builds the release
# files into dist/. Each installs what it needs.
# make test type-checks personaclick_bridge.py with mypy and pyright, both strict (pyproject.toml).
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test release boot-table bench bench-engines bench-headroom

demo: vendor/.ready $(VENV)/.sandbox-ready
	$(BIN)/python -m sandbox --port $(PORT)

test: vendor/.ready $(VENV)/.ready dist/.ready
	@scripts/setup-system.sh chromium firefox webkit
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/eslint .
	$(BIN)/twine check --strict dist/*.whl dist/*.tar.gz
	$(BIN)/mypy
	node_modules/.bin/pyright --pythonpath $(BIN)/python
	$(BIN)/pytest -n 2

# Boot time and bytes of the demo page per configuration (the README's table).
boot-table: vendor/.ready $(VENV)/.ready
	@scripts/setup-system.sh chromium
	$(BIN)/python -m bench.boot

# The bridge against hand-written glue and pure JS, with budgets (the README's benchmark table).
bench: vendor/.ready $(VENV)/.ready
	@scripts/setup-system.sh chromium
	$(BIN)/python -m bench

# Boot and per-call time of the bridge on each engine and configuration (the README's engine table).
bench-engines: vendor/.ready $(VENV)/.ready
	@scripts/setup-system.sh chromium firefox webkit
	$(BIN)/python -m bench.engines

# The largest answer MicroPython's default heap takes in, per engine, beside MAX_ANSWER_BYTES.
bench-headroom: vendor/.ready $(VENV)/.ready
	@scripts/setup-system.sh chromium firefox webkit
	$(BIN)/python -m bench.headroom

# The one-tag install: the module and its JS edge inside a module script (scripts/build_tag.py).
personaclick_bridge.js: personaclick_bridge.py scripts/tag_template.js scripts/build_tag.py
	$(PYTHON) scripts/build_tag.py

node_modules/.ready: package.json package-lock.json
	@scripts/setup-system.sh npm
	npm ci --no-audit --no-fund
	touch $@

vendor/.ready: node_modules/.ready scripts/vendor.py runtime-wheels.txt
	$(PYTHON) scripts/vendor.py
	touch $@

# The release files, from a clean checkout and without the test tools: the wheel and the sdist
# (both carry personaclick_bridge.js) and the npm package, all in dist/.
release: dist/.ready

# --no-isolation: the pinned hatchling in .venv builds it, offline.
dist/.ready: personaclick_bridge.py personaclick_bridge_testing.py personaclick_bridge.js py.typed \
		pyproject.toml package.json README.md LICENSE CHANGELOG.md $(VENV)/.release-ready
	@scripts/setup-system.sh npm
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	npm pack --silent --pack-destination dist
	touch $@

$(VENV)/pyvenv.cfg:
	@scripts/setup-system.sh venv
	$(PYTHON) -m venv $(VENV)

$(VENV)/.release-ready: requirements-release.txt $(VENV)/pyvenv.cfg
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-release.txt
	touch $@

# The sandbox's HTTP stack; the .pth file lets .venv/bin/python -m sandbox run from any folder.
$(VENV)/.sandbox-ready: requirements-sandbox.txt $(VENV)/pyvenv.cfg
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-sandbox.txt
	$(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))' \
		| xargs -I{} sh -c 'echo "$(CURDIR)" > {}/personaclick-sandbox.pth'
	touch $@

$(VENV)/.ready: requirements-test.txt $(VENV)/.sandbox-ready
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@
