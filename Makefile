# xxgk — make help lists the targets. Only python3 (3.11+) and make are needed: the venv is created on demand.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SHARED  ?= ../shared
.DEFAULT_GOAL := help

.PHONY: help venv reports data test test-fast lint bench score clean

help:  ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# OCR models without their opencv-python pin (headless OpenCV is in requirements.txt); a pure-Python wheel
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python -r requirements-nodeps.txt
	$(BIN)/python -c "import cv2, onnxruntime, rapidocr_onnxruntime.ch_ppocr_rec"
	@touch $(STAMP)

venv: $(STAMP)  ## create .venv and install everything (done automatically by the other targets)

data: $(STAMP)  ## build the dataset from data/raw into data/processed
	$(BIN)/xxgk build data/raw --out data/processed

reports: data  ## the main job: build the dataset and render every notebook to HTML in reports/
	$(BIN)/xxgk report --data data/processed --out reports

test: $(STAMP)  ## run the whole test suite (unit, gold corpus, notebooks)
	$(BIN)/python -m pytest -q -n 2

test-fast: $(STAMP)  ## unit tests only
	$(BIN)/python -m pytest -q tests/unit

lint: $(STAMP)  ## ruff over the library, tests and benchmarks
	$(BIN)/ruff check lib tests bench

bench: $(STAMP)  ## parse speed per format on the corpus
	$(BIN)/python bench/parse_speed.py

score: $(STAMP)  ## score the parser against ../shared/corpus/gold
	$(PY) $(SHARED)/tools/score_gold.py $(SHARED)/corpus/gold $(SHARED)/corpus --cmd "$(BIN)/xxgk parse {file} --json" -v

clean:  ## remove built data and rendered reports (keeps .venv)
	rm -rf data/processed/* reports/* bench/out
	@touch data/processed/.gitkeep reports/.gitkeep
