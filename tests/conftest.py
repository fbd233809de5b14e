"""Shared fixtures: paths to the repository, the bundled data, and ../shared (skipped when absent)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("XXGK_SHARED") or ROOT.parent / "shared")  # XXGK_SHARED: for a worktree elsewhere
CORPUS = SHARED / "corpus"


def gold_files() -> list[Path]:
    """The hand-verified gold files, or none when ../shared is not there."""
    return sorted((CORPUS / "gold").glob("*.json")) if (CORPUS / "gold").is_dir() else []


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


@pytest.fixture
def seed_file() -> Path:
    """The report the project began from (bundled in data/raw, also in ../shared/seeds)."""
    p = ROOT / "data" / "raw" / "shanhaiguan-2023.txt"
    if not p.exists():
        pytest.skip("bundled seed report missing")
    return p


def load_gold(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
