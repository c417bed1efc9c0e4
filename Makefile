# Two commands do all set-up on a fresh machine:
#   make demo   create .venv if missing, then solve a bundled instance with every solver
#   make test   create .venv if missing, then run the test suite (what .ci/run calls)
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.qopt-installed

.PHONY: demo test test-fast bench notebooks clean-env

$(STAMP): pyproject.toml setup.py constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[all]"
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/qopt demo

# pytest exits 5 when it collects nothing: make fails on any non-zero code.
test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests
	QOPT_NB_SIZE=small $(PY) -m pytest -q -p no:cacheprovider --nbmake notebooks

test-fast: $(STAMP)
	$(PY) -m pytest -q -x -m "not slow" tests

clean-env:
	rm -rf $(VENV)
