# Two commands for a fresh machine: `make run` serves the portal, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Test files are shared out to one process per core (pytest-xdist); a file's tests stay together
# (its module fixtures: servers, a browser). `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -q -ra -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: run lint test test-postgres translations extract-messages install install-dev \
	browser-tools vendor-map clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# axe-core for the browser tests' accessibility audit (skipped, with a message, without npm).
browser-tools:
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the accessibility audits in the browser tests will be skipped"; fi

# The map library (Leaflet and Leaflet.markercluster, pinned in package.json) copied from npm into
# static/vendor/, where the portal serves it itself (no CDN). The copies are committed; run this
# after changing their versions.
vendor-map:
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor/leaflet static/vendor/leaflet.markercluster
	mkdir -p static/vendor/leaflet static/vendor/leaflet.markercluster
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
		node_modules/leaflet/dist/images node_modules/leaflet/LICENSE static/vendor/leaflet/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
		node_modules/leaflet.markercluster/dist/MarkerCluster.css \
		node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css \
		node_modules/leaflet.markercluster/MIT-LICENCE.txt static/vendor/leaflet.markercluster/

translations: $(VENV)/.runtime
	$(BIN)/python -m portal.core.catalogs

run: install translations
	$(FLASK) db upgrade
	$(FLASK) portal seed
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# ruff, configured in pyproject.toml: any finding fails `make test` (and so CI).
lint: install-dev
	$(BIN)/ruff check .

test: lint install-dev translations browser-tools
	$(PYTEST)

# The whole suite again with PostgreSQL as the database (CI runs this too).
test-postgres: install-dev translations
	PORTAL_TEST_DATABASE_URL=$(PG_TEST_URL) $(PYTEST)

# Refresh the template and the Chinese catalog after adding strings; then translate the new
# entries in translations/zh/LC_MESSAGES/messages.po (Traditional is generated from it).
extract-messages: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k pgettext:1c,2 --add-comments=TRANSLATORS: \
		--no-location --sort-output \
		-o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l zh \
		--no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo translations/zh_Hant
