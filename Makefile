# Two commands: `make run` (set up, ingest corpus/, serve the chat) and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# llama-cpp-python is built here, once per machine kind, into Dossier's own wheel folder (not pip's
# cache, which keys a built wheel by its source only and would hand back a wheel built for another CPU
# or with other flags). Native CPU flags, but never Intel AMX on x86-64: on 2026-12-03 an AMX Xeon under
# a hypervisor killed every llama.cpp process with a general protection fault on the first tile
# instruction (ldtilecfg in ggml_backend_amx_mul_mat), SmolLM2 and the writer alike. Keep the version
# equal to the pin in pyproject.toml.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CPP_CFLAGS := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16,)
LLAMA_CPP_KEY := $(shell printf '%s %s %s' '$(LLAMA_CPP_VERSION)' '$(LLAMA_CPP_CFLAGS)' "$$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)" | sha256sum | cut -c1-12)
LLAMA_CPP_WHEELS := $(HOME)/.cache/dossier/wheels/llama-cpp-$(LLAMA_CPP_VERSION)-$(LLAMA_CPP_KEY)
# Quiet pip; the machine's pip config lists local indexes that may be absent.
PIP := $(BIN)/pip install --quiet --disable-pip-version-check --progress-bar off
PIP_WHEEL := $(BIN)/pip wheel --quiet --disable-pip-version-check --progress-bar off
HOST ?= 127.0.0.1
PORT ?= 7860
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install run test test-fast lint ingest serve chroma bench eval clean system-deps

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Reinstalled only when pyproject.toml changes (the stamp records it).
$(STAMP): pyproject.toml | $(BIN)/python
	@echo ">> installing Dossier into $(VENV) (first time: a few minutes; llama-cpp-python compiles once)"
	@$(PIP) --upgrade pip 2> >(grep -v "is ignored: it is neither" >&2)
	@# torch first, pinned: the local CPU wheel. A bare `torch` would pull a multi-GB CUDA build.
	@$(PIP) torch==2.13.0 2> >(grep -v "is ignored: it is neither" >&2)
	@if ! ls $(LLAMA_CPP_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1; then \
	  echo ">> building llama-cpp-python $(LLAMA_CPP_VERSION) for this CPU (once per machine kind, about 10 minutes on 2 cores)"; \
	  CMAKE_ARGS="-DCMAKE_C_FLAGS='$(LLAMA_CPP_CFLAGS)' -DCMAKE_CXX_FLAGS='$(LLAMA_CPP_CFLAGS)'" \
	    $(PIP_WHEEL) --no-deps --no-cache-dir --no-binary llama-cpp-python -w $(LLAMA_CPP_WHEELS).tmp \
	    'llama-cpp-python==$(LLAMA_CPP_VERSION)' 2> >(grep -v "is ignored: it is neither" >&2) \
	  && rm -rf $(LLAMA_CPP_WHEELS) && mv $(LLAMA_CPP_WHEELS).tmp $(LLAMA_CPP_WHEELS); \
	fi
	@$(PIP) --force-reinstall --no-deps --no-index --find-links $(LLAMA_CPP_WHEELS) 'llama-cpp-python==$(LLAMA_CPP_VERSION)' 2> >(grep -v "is ignored: it is neither" >&2)
	@$(PIP) -e '.[test]' 2> >(grep -v "is ignored: it is neither" >&2)
	@touch $(STAMP)

install: $(STAMP)

# Debian packages the tests need: Chromium for the browser tests. Root only; skipped when present.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo ">> installing Debian chromium (browser tests)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "!! chromium missing and not root: browser tests will be skipped"; fi; \
	fi
	@if ! command -v pdftotext >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo ">> installing poppler-utils (pdftotext: the corpus suite's independent PDF check)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -y install -qq poppler-utils >/dev/null; \
	  else echo "!! pdftotext missing and not root: the corpus suite checks PDF citations with pypdf"; fi; \
	fi

ingest: install
	$(BIN)/dossier ingest corpus

run: install ingest
	$(BIN)/dossier serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/dossier serve --host $(HOST) --port $(PORT)

test: install system-deps
	$(BIN)/ruff check app eval tests
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check app eval tests

chroma: install
	$(BIN)/chroma run --path index/chroma-server --host 127.0.0.1 --port 8000

eval: install
	$(BIN)/dossier eval --suite gold

bench: install
	$(BIN)/dossier bench

clean:
	rm -rf $(VENV) index/chroma index/text index/bm25 index/keyword index/manifest.json index/manifest.journal
