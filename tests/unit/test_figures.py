"""Figures from the prose (xxgk.figures): finding count mentions, attributing them, breakdowns, channels.

The sentences are written for these tests (no report prose is copied); they cover the kinds of
wording the extractor must generalise over: lists with and without a total, other verbs and nouns,
approximate figures, counts before or after their noun, outlets named together, counts that are
not figures (views, outcomes, other years, sub-units).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xxgk.figures import OTHER, extract, measures, mentions, vocabulary


def figs(text: str, agency: str | None = None) -> set[tuple]:
    return {(f.measure, f.value, f.channel) for f in extract({1: {"heading": "", "text": text}}, agency)}


def one(text: str):
    got = mentions({1: {"heading": "", "text": text}})
    assert len(got) == 1, got
    return got[0]


@pytest.mark.parametrize("text, expected", [
    # items published: totals with other verbs and nouns, by channel
    ("2023年,主动公开政府信息128条。", {("items_published", 128, None)}),
    ("全年通过门户网站公布各类信息2428条。", {("items_published", 2428, "portal")}),
    ("依托政府网站信息公开平台更新政务信息350条。", {("items_published", 350, "disclosure_platform")}),
    ("通过区政府公报刊登规范性文件25件。", {("items_published", 25, "gazette")}),
    ("“某某发布”微信公众号全年推送文章1640篇。", {("items_published", 1640, "new_media")}),
    ("抖音号共发布短视频58条。", {("items_published", 58, "new_media")}),
    ("发布96条价格类公众号文章。", {("items_published", 96, "new_media")}),
    ("在门户网站部门子站发布信息近300条。", {("items_published", 300, "portal")}),
    # a channel named in an earlier clause of the sentence
    ("在政府门户网站“最新文件”栏目发布政府信息,全年共发布36条。", {("items_published", 36, "portal")}),
    # two outlets named together: no single channel
    ("依托政府网站、微信公众号等渠道,全年主动公开政府信息88条。", {("items_published", 88, None)}),
    ("强化专栏与政务新媒体联动,共发布工作动态73条。", {("items_published", 73, None)}),
    # an outlet that is none of the four channels
    ("“某某网”动态栏目更新信息32条。", {("items_published", 32, None)}),
    # interpretations in other units and forms, press conferences with a title in between
    ("同步发布政策解读12条。", {("policy_interpretations", 12, None)}),
    ("制作图解15期,政策解读短视频8个。", {("policy_interpretations", 15, None), ("policy_interpretations", 8, None)}),
    ("对29项涉及群众切身利益的重要政策文件进行解读。", {("policy_interpretations", 29, None)}),
    ("共召开“我为群众办实事”系列主题新闻发布会5场。", {("press_conferences", 5, None)}),
    ("组织召开3场新闻发布会。", {("press_conferences", 3, None)}),
    # applications received and answered with other verbs
    ("全年共受理依申请公开件12件。", {("applications_received", 12, None)}),
    ("本年度全区共收到70件申请,及时依法依规办结69件,1件结转下年度继续办理。",
     {("applications_received", 70, None), ("applications_answered", 69, None)}),
    ("办理依申请公开30件。", {("applications_answered", 30, None)}),
    # messages: answered; received only when all were handled
    ("全年共回应网上留言10条。", {("messages_answered", 10, None)}),
    ("网民留言120条,已全部回复。", {("messages_answered", 120, None)}),
    ("收到网民留言120条,回复118条。", {("messages_answered", 118, None)}),
    ("受理群众咨询45件。", set()),
    # accounts, surveys, circulars, training worded in either order
    ("常态化监测全区20家单位26个政务新媒体。", {("new_media_units", 20, None), ("new_media_accounts", 26, None)}),
    ("运维微信公众号2个。", {("new_media_accounts", 2, None)}),
    ("注销无人维护的政务新媒体3个。", set()),
    ("开展网上调查3次,征集意见建议56条。", {("surveys", 3, None)}),
    ("全年开展季度通报3次、月通报7次。", {("circulars", 3, None), ("circulars", 7, None)}),
    ("组织4次政务公开检查并通报相关问题。", set()),
    ("举办了1次全区性的政务公开培训。", {("training_sessions", 1, None)}),
    # fees, with and without the word 处理费, and statements that none were collected
    ("全年收取政府信息公开信息处理费0元。", {("fees_collected", 0, None)}),
    ("本年度没有产生信息公开处理费。", {("fees_collected", 0, None)}),
    ("未向申请人收取任何费用。", {("fees_collected", 0, None)}),
    ("本年度无收费情况。", {("fees_collected", 0, None)}),
    # counts that are not figures
    ("公众号阅读量2.9万余次,关注用户达1255人。", set()),
    ("共制作政府信息总数425条,依申请公开信息数182条,不予公开信息数95条。", set()),
    ("截至目前累计发送1063条信息。", set()),
    ("较上年增加30条。", set()),
    ("及时更新26个试点领域政务公开相关政府信息。", set()),
    ("在政府信息公开平台法定主动公开栏目增设2个条目。", set()),
    ("出台《关于支持企业发展的10条措施》。", set()),
])
def test_attribution(text, expected):
    assert figs(text) == expected


def test_breakdown_with_a_total_takes_its_channel_and_gets_categories():
    text = "累计在区政府门户网站发布信息1160条,其中,“工作报告”759条、“要闻”78条、“动态”323条。"
    got = extract({1: {"text": text}})
    assert [(f.value, f.channel, f.category) for f in got] == [
        (1160, "portal", None), (759, "portal", "工作报告"), (78, "portal", "要闻"), (323, "portal", "动态")]


def test_breakdown_without_a_verb_after_a_total_and_in_the_next_sentence():
    text = "2023年,主动公开政府信息312条,重大建设项目类信息280条,规范性文件类信息5条。其中,项目审批信息191条。"
    got = [(f.value, f.category) for f in extract({1: {"text": text}})]
    assert got == [(312, None), (280, "重大建设项目类信息"), (5, "规范性文件类信息"), (191, "项目审批信息")]


def test_breakdown_opened_by_a_reference_to_a_total_stated_before():
    text = ("通过门户网站主动公开政府信息74条。在主动公开的74条政府信息中,政策、规范性文件类信息7条,"
            "其他类信息67条。")
    got = [(f.value, f.channel, f.category) for f in extract({1: {"text": text}})]
    assert got == [(74, "portal", None), (7, "portal", "政策、规范性文件类信息"), (67, "portal", "其他类信息")]


def test_breakdown_of_applications_is_not_a_figure():
    assert figs("全年共收到政府信息公开申请11件,其中网络申请5件,信函申请6件。") == \
        {("applications_received", 11, None)}


def test_a_category_of_documents_and_interpretations_stays_items():
    got = extract({1: {"text": "主动公开政府信息90条,其中:财税政策及解读3条;其他文件87条。"}})
    assert {f.measure for f in got} == {"items_published"}


def test_a_named_sub_unit_in_a_higher_levels_report():
    text = "(3)推进重点领域公开。区经济发展局全年共发布信息291条。(4)全区共主动公开政府信息5000条。"
    assert figs(text, agency="某某市人民政府") == {("items_published", 5000, None)}
    # the same sentence in that unit's own report is its own figure
    assert ("items_published", 291, None) in figs(text, agency="某某市经济发展局")


def test_mentions_keep_what_is_left_out_with_a_reason():
    m = one("公众号阅读量2.9万余次。")
    assert (m.measure, m.value, m.unit, m.is_approximate, m.text) == (OTHER, 29000, "次", True, "2.9万余次")
    assert "阅读" in m.reason and m.sentence == "公众号阅读量2.9万余次。"


@pytest.mark.parametrize("text, value, approx", [
    ("发布信息7700余条。", 7700, True), ("发布信息近300条。", 300, True), ("发布信息约3.5万条。", 35000, True),
    ("发布信息超过2000条。", 2000, True), ("发布文章20多篇。", 20, True), ("发布信息30条左右。", 30, True),
    ("发布信息11,640条。", 11640, False), ("发布信息1234。", 1234, False),
])
def test_approximate_and_printed_forms(text, value, approx):
    (f,) = extract({1: {"text": text}})
    assert (f.value, f.is_approximate) == (value, approx)


def test_numbers_in_titles_tables_and_dates_are_not_counts():
    assert mentions({1: {"text": "印发《关于做好2020年10条重点工作的通知》。"}}) == []
    assert mentions({1: {"text": "第二十条第(一)项信息内容规章000规范性文件555。"}}) == []
    assert mentions({1: {"text": "统计期限自2023年1月1日起至2023年12月31日止,电话0591-23163551。"}}) == []


def test_vocabulary_is_data_and_every_measure_is_declared():
    voc = vocabulary()
    declared = set(measures())
    assert {f.measure for f in voc.frames} | {OTHER} == declared
    assert all(r["unit"] for m, r in measures().items() if m != OTHER)
    assert {ch for ch, _ in voc.channels} == {"portal", "disclosure_platform", "new_media", "gazette"}


# --- properties -------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=999_999)
item_units = st.sampled_from(["条", "篇", "件", "份"])
CHANNEL_WORDS = {"门户网站": "portal", "政府网站": "portal", "信息公开平台": "disclosure_platform",
                 "政务公开专栏": "disclosure_platform", "微信公众号": "new_media", "政务微博": "new_media",
                 "抖音号": "new_media", "政府公报": "gazette"}


@settings(max_examples=60, deadline=None)
@given(counts, item_units, st.sampled_from(sorted(CHANNEL_WORDS)))
def test_a_total_on_a_channel_is_found_with_its_value_and_channel(n, unit, word):
    (f,) = extract({1: {"text": f"全年通过{word}主动公开政府信息{n}{unit}。"}})
    assert (f.measure, f.value, f.unit, f.channel) == ("items_published", n, unit, CHANNEL_WORDS[word])
    assert f.evidence.endswith("。") and str(n) in f.evidence


@settings(max_examples=60, deadline=None)
@given(counts, st.sampled_from(["近", "约", "超过"]), st.sampled_from(["", "余", "多"]))
def test_approximation_marks_never_change_the_value(n, before, after):
    (f,) = extract({1: {"text": f"全年发布信息{before}{n}{after}条。"}})
    assert f.value == n and f.is_approximate == bool(before or after)


@settings(max_examples=60, deadline=None)
@given(counts, st.sampled_from(["阅读量", "点击量", "关注用户", "较上年增加", "上年结转", "不予公开"]))
def test_a_blocking_word_before_a_count_leaves_it_out(n, word):
    assert figs(f"全年发布信息,{word}{n}条。") == set()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["机构职能类", "规划计划类", "行政许可类", "工作动态", "其他类"]),
                          st.integers(min_value=1, max_value=9999)), min_size=1, max_size=5),
       st.sampled_from(sorted(CHANNEL_WORDS)))
def test_every_item_of_a_breakdown_takes_the_totals_measure_and_channel(items, word):
    total = sum(v for _, v in items)
    listed = "、".join(f"{c}信息{v}条" for c, v in items)
    got = extract({1: {"text": f"通过{word}主动公开政府信息{total}条,其中{listed}。"}})
    assert [(f.value, f.category) for f in got] == [(total, None)] + [(v, f"{c}信息") for c, v in items]
    assert {(f.measure, f.channel) for f in got} == {("items_published", CHANNEL_WORDS[word])}


SENTENCES = ["全年主动公开政府信息128条。", "共召开新闻发布会5场。", "全年共回应网上留言10条。",
             "公众号阅读量2.9万余次。", "本年度没有产生信息公开处理费。", "办理依申请公开30件。",
             "开展网上调查3次。", "通过门户网站发布信息1160条。"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6))
def test_figures_of_independent_sentences_do_not_depend_on_each_other(chosen):
    alone = [f for s in chosen for f in extract({1: {"text": s}})]
    together = extract({1: {"text": "".join(chosen)}})
    assert [(f.measure, f.value, f.channel) for f in together] == [(f.measure, f.value, f.channel) for f in alone]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(SENTENCES + ["其中,工作动态12条。", "较上年增加30条。"]), min_size=1, max_size=6))
def test_every_figure_is_an_attributed_mention_printed_in_its_sentence(chosen):
    sections = {1: {"text": "".join(chosen)}}
    ms = mentions(sections)
    assert [m.figure() for m in ms if m.measure != OTHER] == extract(sections)
    for m in ms:
        assert m.text in m.sentence and m.sentence[m.start:m.end] == m.text
        assert m.measure in measures()
