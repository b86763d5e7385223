# Everything a fresh machine needs, from the project's own files.
#   make demo   the main job (creates .venv and installs on first use)
#   make test   the test suite on TensorFlow, JAX and PyTorch
# Override the interpreter with PYTHON=python3.12, the environment with VENV=path.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST := $(PY) -m pytest -p no:cacheprovider

.PHONY: install demo lint test test-slow bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24" "setuptools>=77" wheel
	$(PY) -m pip install --quiet -e ".[jax,torch,tfds,test,lint]"
	touch $(STAMP)

install: $(STAMP)

# CNN-25 on koo_synthetic as the authors trained it (the default, --flavor released): 4.2
# minutes on a busy 2-core CPU (51 epochs, test AU-ROC 0.970), less on a quiet one; it ends
# with the commands to run next.
demo: install
	$(VENV)/bin/deepmotif train cnn-25

# The tests that need a Keras backend (marker `backend`) run once per backend;
# the rest (and the cross-backend checkpoint test, which starts its own
# processes) run once. DEEPMOTIF_REQUIRE_ALL_BACKENDS turns a missing backend
# into a failure instead of a skip.
# ruff with the rules of pyproject.toml, over everything but the environments (seconds).
lint: install
	$(PY) -m ruff check .

test: install lint
	DEEPMOTIF_REQUIRE_ALL_BACKENDS=1 KERAS_BACKEND=tensorflow $(PYTEST) -m "not slow"
	KERAS_BACKEND=jax $(PYTEST) -m "backend and not slow"
	KERAS_BACKEND=torch $(PYTEST) -m "backend and not slow"

test-slow: install
	DEEPMOTIF_REQUIRE_ALL_BACKENDS=1 KERAS_BACKEND=tensorflow $(PYTEST) -m slow

bench: install
	$(PY) benchmarks/bench_import.py
	$(PY) benchmarks/bench_synthetic.py
	$(PY) benchmarks/bench_tomtom.py
	$(PY) benchmarks/bench_interpret.py
	$(PY) benchmarks/bench_training.py
	$(PY) benchmarks/bench_backend_settings.py
	for b in tensorflow jax torch; do KERAS_BACKEND=$$b $(PY) benchmarks/bench_pipeline.py; done

clean:
	rm -rf $(VENV) build *.egg-info
