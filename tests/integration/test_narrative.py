"""Figures stated in the prose (xxgk.figures): the seed's exactly, and precision/recall on hand labels per set."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT
from xxgk import parse_file
from xxgk.figures import measures

LABELS = ROOT / "bench" / "narrative_labels.csv"
SEED_FIGURES = {
    ("items_published", 11640, "portal", None),
    ("items_published", 7591, "portal", "工作报告"), ("items_published", 789, "portal", "关城要闻"),
    ("items_published", 509, "portal", "镇街动态"), ("items_published", 2070, "portal", "部门动态"),
    ("items_published", 159, "portal", "视频新闻"), ("items_published", 35, "portal", "图片新闻"),
    ("items_published", 3296, "disclosure_platform", None),
    ("new_media_accounts", 26, None, None), ("new_media_units", 20, None, None),
    ("messages_answered", 10, None, None), ("surveys", 12, None, None),
    ("policy_interpretations", 6, None, None), ("circulars", 12, None, None),
    ("applications_received", 2, None, None),
}
# Precision and recall each label set must keep (docs/benchmarks.md, "Narrative figures"). dev: the
# reports the vocabulary was written against; blind1/blind2: labelled by others before the extractor
# ran on them, scored once per round — a regression below the figures measured there fails.
THRESHOLDS = {"dev": (0.98, 0.98), "blind1": (0.95, 0.90), "blind2": (0.95, 0.87), "blind": (0.95, 0.88)}


def test_seed_figures_exactly_with_their_sentences(seed_file):
    rep = parse_file(seed_file)
    got = {(f.measure, f.value, f.channel, f.category) for f in rep.figures}
    assert got == SEED_FIGURES
    for f in rep.figures:
        assert str(f.value) in f.evidence.replace(",", "") and f.section == 1
        assert f.evidence.endswith("。") and not f.is_approximate
    portal = next(f for f in rep.figures if f.value == 11640)
    assert "门户网站" in portal.evidence


def test_json_has_narrative_figures_and_text_counts(seed_file):
    p = subprocess.run([sys.executable, "-m", "xxgk.cli", "parse", str(seed_file), "--json"], capture_output=True,
                       text=True)
    out = json.loads(p.stdout)
    figs, counts = out["narrative_figures"], out["text_counts"]
    assert len(figs) == len(SEED_FIGURES)
    assert set(figs[0]) >= {"measure", "value", "unit", "channel", "section", "evidence", "is_approximate"}
    assert len(counts) > len(figs) and {c["measure"] for c in counts} >= {"other", "items_published"}
    assert all(c["reason"] for c in counts)


def test_w4_uses_the_stated_applications(seed_file):
    rep = parse_file(seed_file)
    from xxgk.checks import text_vs_table

    w4 = text_vs_table(rep)
    assert [(c.expected, c.actual, c.passed) for c in w4] == [(2, 2, True)]


def test_precision_and_recall_per_label_set(corpus):
    sys.path.insert(0, str(ROOT / "bench"))
    from narrative_eval import evaluate

    res = evaluate(LABELS, corpus)
    assert {"dev", "blind1", "blind2", "blind", "all"} == set(res)
    for name, per in res.items():
        if name == "all":
            continue
        tp, got, gold, files, unparsed = per["*"]
        floor_p, floor_r = THRESHOLDS[name]
        assert unparsed == 0 and gold > 0
        assert tp / got >= floor_p, (name, tp / got)
        assert tp / gold >= floor_r, (name, tp / gold)
    assert res["dev"]["*"][3] >= 48 and res["dev"]["*"][2] >= 390


def test_labels_follow_the_guide():
    rows = list(csv.DictReader(open(LABELS, encoding="utf-8")))
    header = LABELS.read_text(encoding="utf-8").splitlines()[0]
    assert header == "file,measure,value,channel,set,note"
    assert max(len(line) for line in LABELS.read_text(encoding="utf-8").splitlines()) < 120  # no sentences
    assert {r["measure"] for r in rows} <= set(measures()) | {"none"}
    assert {r["channel"] for r in rows} <= {"", "portal", "disclosure_platform", "new_media", "gazette"}
    assert {r["set"] for r in rows} == {"dev", "blind1", "blind2"}
    assert (ROOT / "bench" / "labelling-guide.md").is_file()


@pytest.mark.skipif(not (CORPUS / "raw").is_dir(), reason="../shared/corpus is not present")
def test_no_figures_from_tables(corpus):
    rep = parse_file(Path(corpus) / "raw" / "pingtan-2023.txt")
    assert all("第二十条" not in f.evidence for f in rep.figures)
