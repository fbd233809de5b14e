"""The pages' view of the prose figures: charts by channel and category, and the sentences beside them."""

from __future__ import annotations

import io
import warnings
from types import SimpleNamespace

import pandas as pd
import pytest
from matplotlib.figure import Figure

from xxgk import plots, summaries
from xxgk.figures import mentions, published_by_channel

PROSE = ("2023年,累计在区政府门户网站发布信息1160条,其中,“工作报告”759条、“要闻”78条。"
         "累计在区政府信息公开平台发布信息约330条。全年共回应网上留言10条。")


def _dataset(reports: dict[str, tuple[str, int, str]]) -> SimpleNamespace:
    """A dataset of reports given as {report_id: (agency, year, section 1 text)}, figures extracted."""
    rep, secs, figs = [], [], []
    for rid, (agency, year, text) in reports.items():
        rep.append({"report_id": rid, "agency_id": agency, "agency": agency, "year": year})
        secs.append({"report_id": rid, "section": 1, "heading": "一、总体情况", "text": text})
        for m in mentions({1: {"text": text}}):
            if m.measure != "other":
                figs.append({"report_id": rid, "measure": m.measure, "value": float(m.value), "unit": m.unit,
                             "is_approximate": m.is_approximate, "channel": m.channel, "category": m.category,
                             "section": 1, "mention": m.index, "evidence": m.sentence})
    cols = ["report_id", "measure", "value", "unit", "is_approximate", "channel", "category", "section", "mention",
            "evidence"]
    return SimpleNamespace(reports=pd.DataFrame(rep), sections=pd.DataFrame(secs),
                           narrative_figures=pd.DataFrame(figs, columns=cols))


DS = _dataset({"a-2022": ("甲局", 2022, "全年主动公开政府信息900条,其中政策文件100条。"),
               "a-2023": ("甲局", 2023, PROSE),
               "a-2024": ("甲局", 2024, "我局认真贯彻落实条例要求,不断提升政务公开工作水平,取得了明显成效。"),
               "a-2025": ("甲局", 2025, "第二十条第(一)项信息内容本年制发件数规章000")})


def test_published_by_channel_keeps_one_total_per_channel_and_its_categories():
    got = published_by_channel(DS.narrative_figures[DS.narrative_figures["report_id"] == "a-2023"])
    assert [(r.channel, r.category, r.value, r.is_approximate) for r in got.itertuples()] == [
        ("portal", None, 1160, False), ("portal", "工作报告", 759, False), ("portal", "要闻", 78, False),
        ("disclosure_platform", None, 330, True)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_agency_year_chart_and_sentence(lang):
    fig = plots.narrative_volumes(DS, "a-2023", lang)
    assert isinstance(fig, Figure) and len(fig.axes) == 2  # items by channel and category; other figures
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0].startswith("门户网站" if lang == "zh" else "portal") and "· 工作报告" in labels
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing glyphs
        fig.savefig(io.BytesIO(), format="png")
    text = summaries.narrative_summary(DS, "a-2023", lang)
    assert ("门户网站 1,160 条（列出 2 个类别）" in text and "约330" in text) if lang == "zh" else \
        ("portal 1,160 (2 categories listed)" in text and "about 330" in text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_report_that_states_none_gets_no_chart_but_a_sentence(lang):
    assert plots.narrative_volumes(DS, "a-2024", lang) is None
    assert summaries.narrative_summary(DS, "a-2024", lang) == summaries.NARRATIVE[lang]["none"]
    # a table-only extract: the text is not there, which is not the same as stating none
    assert plots.narrative_volumes(DS, "a-2025", lang) is None
    assert summaries.narrative_summary(DS, "a-2025", lang) == summaries.NARRATIVE[lang]["no_prose"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trend_chart_and_coverage_sentence(lang):
    fig = plots.narrative_trend(DS, ["甲局"], lang)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    lines = {ln.get_label(): [int(x) for x, y in zip(ln.get_xdata(), ln.get_ydata(), strict=True) if y == y]
             for ln in fig.axes[0].get_lines()}  # (a year without the figure is a gap in the line)
    assert lines[plots.channel_name(None, lang)] == [2022] and lines[plots.channel_name("portal", lang)] == [2023]
    fig.savefig(io.BytesIO(), format="png")
    text = summaries.narrative_coverage(DS, ["甲局"], lang)
    assert "2022" in text and "2024" in text and "2025" in text
    quiet = _dataset({"b-2023": ("乙局", 2023, "本机关认真做好政府信息公开工作。")})  # its text states no figure
    assert plots.narrative_trend(quiet, ["乙局"], lang) is None
    text = summaries.narrative_coverage(quiet, ["乙局"], lang)
    assert text.startswith(summaries.NARRATIVE[lang]["coverage_none"]) and "乙局 2023" in text
    with pytest.raises(LookupError, match="unknown agency '乙局'; nearest known agencies: 甲局"):
        plots.narrative_trend(DS, ["乙局"], lang)  # an agency the dataset does not have is named, not drawn empty
