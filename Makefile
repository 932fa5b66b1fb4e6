# lamina's two commands: `make demo` and `make test`. Both set up what they need.
#
# The virtualenv lives outside the checkout, keyed on a hash of the dependency spec, so that a
# fresh clone (and CI) reuses it as long as the dependencies are unchanged.

PYTHON ?= python3
SPEC_FILES := pyproject.toml requirements/dev.txt requirements/backends.txt
SPEC_HASH := $(shell cat $(SPEC_FILES) | sha256sum | cut -c1-16)
VENV ?= $(HOME)/.cache/lamina/venv-$(SPEC_HASH)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lamina-installed
# Backends whose test run is part of `make test` (each in its own process).
BACKENDS ?= jax torch numpy
PYTEST_ARGS ?=

.PHONY: demo test venv bench clean-venv

# The venv path holds the spec hash, so an existing stamp means the spec is unchanged.
$(STAMP):
	@echo "==> setting up $(VENV)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -r requirements/backends.txt
	@$(PY) -m pip install --quiet -r requirements/dev.txt
	@$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)
	@# the editable install points at this checkout
	@$(PY) -m pip install --quiet --no-deps -e . >/dev/null

demo: venv
	@LAMINA_BACKEND=jax $(PY) examples/breast_cancer.py

test: venv
	@status=0; for b in $(BACKENDS); do \
	  echo "==> tests on the $$b backend"; \
	  LAMINA_BACKEND=$$b $(PY) -m pytest tests -p no:cacheprovider -n 2 --dist loadfile $(PYTEST_ARGS) || status=1; \
	done; exit $$status

bench: venv
	@$(PY) bench/run.py --backend jax torch

clean-venv:
	rm -rf $(VENV)
