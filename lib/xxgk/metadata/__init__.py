"""The national templates and the dataset, declared once.

Everything the rest of the library knows about the report format comes from here: the canonical
codes (``codes.csv``, a copy of ``shared/format/codes.csv``, the contract), the row labels as they
are printed (``labels.csv``: one regular expression per code, matched on normalised text), the
markers that tell the template versions apart (``markers.csv``) and the layout of Table 2 per
template (``table2_layout.csv``). The dataset's tables and columns (:data:`TABLES`) are declared
here as well; schemas, the data dictionary and the check lists are derived from them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
TEMPLATES = ("2019", "2021")


def _read(name: str) -> list[dict[str, str]]:
    with open(HERE / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class Code:
    """One canonical code of codes.csv."""

    table: str
    code: str
    group: str
    label_zh: str
    label_en: str
    templates: tuple[str, ...]


@cache
def codes() -> tuple[Code, ...]:
    """All canonical codes, in the order of codes.csv."""
    return tuple(
        Code(r["table"], r["code"], r["group"], r["label_zh"], r["label_en"], tuple(r["templates"].split(";")))
        for r in _read("codes.csv")
    )


def codes_of(kind: str, template: str | None = None) -> list[str]:
    """Codes of one kind of codes.csv (``table3_row``, ``table4_outcome`` …), optionally for one template."""
    return [c.code for c in codes() if c.table == kind and (template is None or template in c.templates)]


@cache
def labels(lang: str = "zh") -> dict[tuple[str, str], str]:
    """Map ``(kind, code)`` to its Chinese (``zh``) or English (``en``) label."""
    return {(c.table, c.code): (c.label_zh if lang == "zh" else c.label_en) for c in codes()}


@cache
def groups() -> dict[tuple[str, str], str]:
    """Map ``(kind, code)`` to the code's group in codes.csv (e.g. table3_row → denied)."""
    return {(c.table, c.code): c.group for c in codes()}


# --- Table 2 -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    """One Table 2 cell position: item × measure, with its kind (count, signed, amount, money)."""

    item: str
    measure: str
    kind: str
    unit: str


@cache
def table2_money_measures() -> frozenset[str]:
    """Table 2 measures that are amounts of money, not counts (stored in ``amount``, not ``value``)."""
    return frozenset(r["measure"] for r in _read("table2_layout.csv") if r["kind"] in ("amount", "money"))


@cache
def table2_layout(template: str) -> tuple[tuple[str, tuple[Measure, ...]], ...]:
    """Table 2 rows of a template in print order, each with its measures in column order."""
    out: dict[str, list[Measure]] = {}
    for r in _read("table2_layout.csv"):
        if r["template"] == template:
            out.setdefault(r["item"], []).append(Measure(r["item"], r["measure"], r["kind"], r["unit"]))
    return tuple((item, tuple(ms)) for item, ms in out.items())


# --- Table 3 and Table 4 -------------------------------------------------------------------

TABLE3_APPLICANTS: tuple[str, ...] = tuple(codes_of("table3_applicant"))
TABLE3_PARTS: tuple[str, ...] = TABLE3_APPLICANTS[:-1]  # the six applicant columns summed into 总计
TABLE4_PROCEEDINGS: tuple[str, ...] = tuple(codes_of("table4_proceeding"))
TABLE4_OUTCOMES: tuple[str, ...] = tuple(codes_of("table4_outcome"))


@cache
def table3_rows(template: str) -> tuple[str, ...]:
    """Table 3 data rows of a template in print order (23 for 2019, 25 for 2021)."""
    return tuple(codes_of("table3_row", template))


@cache
def outcome_leaves(template: str) -> tuple[str, ...]:
    """The outcome rows that R2 sums into （七）总计 (19 in 2019, 21 in 2021)."""
    skip = {"received", "total", "carried_forward"}
    return tuple(c for c in table3_rows(template) if groups()[("table3_row", c)] not in skip)


# --- label patterns and version markers ----------------------------------------------------

@dataclass(frozen=True)
class LabelPattern:
    """A printed row label: a regular expression over normalised text, and the code it means."""

    table: str
    code: str | None  # None: a structural label (caption, header) that only ends the previous row
    pattern: str


@cache
def label_patterns(table: str) -> tuple[LabelPattern, ...]:
    """Row-label patterns of one table, in priority order (first alternative wins at a position)."""
    return tuple(LabelPattern(r["table"], r["code"] or None, r["pattern"]) for r in _read("labels.csv")
                 if r["table"] == table)


@cache
def markers() -> tuple[tuple[str, str, str], ...]:
    """Version markers: ``(normalised text, template or 'common'/'pre2019', table scope)``."""
    return tuple((r["marker"], r["template"], r["scope"]) for r in _read("markers.csv"))


# --- flags ---------------------------------------------------------------------------------

_FLAG_ROWS = _read("flags.csv")  # one row per flag: group, badge tone, labels, help for pages, full description
FLAGS: dict[str, str] = {r["flag"]: r["description"] for r in _FLAG_ROWS}  # flag → what it means (dictionary)
FLAG_LABELS: dict[str, tuple[str, str]] = {  # flag → (中文, English) short name: badges, exports, the tidy table
    r["flag"]: (r["label_zh"], r["label_en"]) for r in _FLAG_ROWS}
FLAG_HELP: dict[str, tuple[str, str]] = {  # flag → (中文, English) one-line meaning: a badge's hover, the legends
    r["flag"]: (r["help_zh"], r["help_en"]) for r in _FLAG_ROWS}
FLAG_TONES: dict[str, str] = {r["flag"]: r["tone"] for r in _FLAG_ROWS}  # a badge's colour: info, warn, bad, mute
FLAG_GROUPS: dict[str, tuple[str, ...]] = {  # what a flag says about the value, for counts and filters:
    g: tuple(r["flag"] for r in _FLAG_ROWS if r["group"] == g)
    for g in ("zero",      # printed as nothing or n/a: value null, counted as 0
              "absent",    # nothing read for the cell
              "derived",   # not read straight from a printed text cell
              "unknown",   # value null and not known from the table
              "remark")}   # read, with something to say about it
ATTENTION_FLAGS: tuple[str, ...] = FLAG_GROUPS["derived"] + FLAG_GROUPS["unknown"] + FLAG_GROUPS["remark"]


# --- the dataset ---------------------------------------------------------------------------

DTYPES: dict[str, tuple[str, str, str]] = {  # dtype → (pandas dtype, Arrow type, Frictionless type)
    "string": ("string", "string", "string"),
    "Int64": ("Int64", "int64", "integer"),
    "Float64": ("Float64", "float64", "number"),
    "boolean": ("boolean", "bool", "boolean"),
    "category": ("category", "string", "string"),
    "list[Float64]": ("object", "list<float64>", "array"),
}


@dataclass(frozen=True)
class Column:
    """A dataset column: name, dtype (pandas), unit, Chinese label, English description, allowed values."""

    name: str
    dtype: str
    label_zh: str
    description: str
    unit: str | None = None
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Table:
    """A dataset table: its name, Chinese label, description, primary key and columns.

    ``derived`` tables are computed by :class:`xxgk.dataset.Dataset` from the stored ones and never
    written to disk (so nothing is stored twice).
    """

    name: str
    label_zh: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)
    derived: bool = False

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    def headers(self, lang: str = "zh") -> dict[str, str]:
        """Column name → header for people: the Chinese label (``zh``), or the name itself (``en``)."""
        return {c.name: c.label_zh if lang == "zh" else c.name for c in self.columns}


LEVELS = ("province", "city", "county", "district", "township", "department", "other")
# Several files for one agency and year (a page and its PDF, a corrected re-issue): which one analyses use.
CANONICAL_RULE = ("the file sources.csv marks preferred; else the one with fewer failed checks, then a text "
                  "layer over OCR, then fewer flagged cells; else the more structured format (FORMAT_ORDER); else the later publication date, "
                  "then the later file name")
FORMAT_ORDER = ("docx", "html", "pdf", "doc", "markdown", "pipe-text", "crawler-text", "text")  # most structured first
TEMPLATE_VALUES = ("2019", "2021", "mixed")
NARRATIVE_CHANNELS = ("portal", "disclosure_platform", "new_media", "gazette")
_RID = Column("report_id", "string", "报告编号", "Stable report id from agency and year (agency_id-year)")
_VALUE = (
    Column("value", "Int64", "数值", "The cell's count; null when blank, not applicable, open (ambiguous, unaligned), "
           "missing, or an amount (Table 2 fees and procurement: see amount)", unit="件/项"),
    Column("raw", "string", "原文", "The cell's text as printed"),
    Column("flag", "category", "标记", "Why the value needs attention; null when read directly",
           allowed=tuple(FLAGS)),
    Column("candidates", "list[Float64]", "候选值", "The values the cell could have when the table leaves it open "
           "(ambiguous, unaligned), or had before evidence settled it (inferred); null otherwise"),
    Column("note", "string", "说明", "A remark printed with the number, or how the value was read (e.g. a row "
           "printed with too few cells)"),
    Column("evidence", "string", "依据", "For inferred cells: what settled them (the report's sentence, the other "
           "report and what it says)"),
)

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("reports", "年度报告", "One row per parsed report file.", ("report_id",), (
        _RID,
        Column("agency_id", "string", "机关编号", "Stable agency id (from sources.csv, else from the name)"),
        Column("agency", "string", "机关名称", "Canonical agency name (sources.csv), else as parsed"),
        Column("agency_parsed", "string", "报告所列机关", "Agency as printed in the report"),
        Column("level", "category", "行政层级", "Administrative level of the agency", allowed=LEVELS),
        Column("region", "string", "地区", "Region of the agency"),
        Column("year", "Int64", "报告年度", "Report year (the statistical year)"),
        Column("template", "category", "模板版本", "Template version detected from the table labels",
               allowed=TEMPLATE_VALUES),
        Column("format", "category", "文件格式", "Input format detected from the content"),
        Column("title", "string", "标题", "Report title as printed"),
        Column("published", "string", "发布日期", "Publication date where printed (ISO)"),
        Column("source_file", "string", "源文件", "Path of the source file, relative to the build input"),
        Column("sha256", "string", "文件摘要", "SHA-256 of the source file"),
        Column("source_url", "string", "原文链接", "Original URL where known"),
        Column("build_key", "string", "构建键", "Hash of file content, sources.csv row and parser version; "
               "an unchanged key lets a rebuild reuse the rows instead of parsing again"),
        Column("parse_status", "category", "解析状态", "ok, or checks_failed when a rule fails",
               allowed=("ok", "checks_failed")),
        Column("failed_checks_count", "Int64", "未通过校验数", "Number of failed rule results", unit="count"),
        Column("flagged_cells_count", "Int64", "标记单元格数",
               "Cells flagged recovered, ambiguous, note, invalid or unit_unknown", unit="count"),
        Column("warnings_count", "Int64", "警告数", "Number of parser warnings", unit="count"),
        Column("is_complete", "boolean", "是否完整", "True when every per-report check passed and no cell is "
               "ambiguous or invalid: every number of the three tables is known and consistent"),
        Column("is_canonical", "boolean", "是否采用", "False for another file of a report already in the dataset (the "
               "same agency and year: a page and its PDF, a corrected re-issue); xxgk.load(), the derived tables and "
               "the pages use the canonical one (CANONICAL_RULE)"),
        Column("is_preferred", "boolean", "是否指定", "True when sources.csv marks this file preferred (column "
               "'preferred') among the files of its agency and year"),
        Column("is_ocr", "boolean", "是否经OCR识别", "True when some pages or images of the report were read by "
               "OCR (their cells are flagged ocr)"),
    )),
    Table("active_disclosure", "主动公开政府信息情况（表二）", "Table 2, long form: one row per item × measure.",
          ("report_id", "item", "measure"), (
        _RID,
        Column("item", "category", "信息内容", "Table 2 row code (codes.csv table2)"),
        Column("measure", "category", "指标", "Table 2 column code (codes.csv table2_measure)"),
        *_VALUE,
        Column("amount", "Float64", "金额", "The amount of the money measures (2021 行政事业性收费 in 万元; 2019 采购总金额 "
               "as printed, see unit); null for the counts"),
        Column("unit", "string", "单位", "Unit of the value or amount (件, 项, 万元, or as printed for procurement)"),
    )),
    Table("applications", "收到和处理政府信息公开申请情况（表三）",
          "Table 3, long form: one row per row × applicant column.", ("report_id", "row", "applicant"), (
        _RID,
        Column("row", "category", "办理情况", "Table 3 row code (codes.csv table3_row)"),
        Column("applicant", "category", "申请人", "Table 3 column code (codes.csv table3_applicant)"),
        *_VALUE,
    )),
    Table("review_litigation", "政府信息公开行政复议、行政诉讼情况（表四）",
          "Table 4, long form: one row per proceeding × outcome.", ("report_id", "proceeding", "outcome"), (
        _RID,
        Column("proceeding", "category", "程序", "Table 4 group code (codes.csv table4_proceeding)"),
        Column("outcome", "category", "结果", "Table 4 column code (codes.csv table4_outcome)"),
        *_VALUE,
    )),
    Table("checks", "校验结果", "Every rule result: per report (R1–R4, R6) and across reports (W1, W_IN_FORCE, W4).",
          ("report_id", "rule", "scope"), (
        _RID,
        Column("rule", "category", "规则", "Rule id (R1–R4, R6 per report; W1, W_IN_FORCE, W4 across reports)"),
        Column("scope", "string", "范围", "Where the rule applies, e.g. table3.natural_person"),
        Column("expected", "Int64", "应为", "Value implied by the rule (a count)"),
        Column("actual", "Int64", "实为", "Value printed (a count)"),
        Column("is_passed", "boolean", "是否通过", "True when expected equals actual"),
        Column("is_warning", "boolean", "是否仅为提示", "True for soft cross-report checks (warnings, not errors)"),
        Column("note", "string", "说明", "Context, e.g. a blank total or the other year compared"),
    )),
    Table("sections", "正文章节", "Narrative text of each report by section number (1–6).",
          ("report_id", "section"), (
        _RID,
        Column("section", "Int64", "章节", "Section number of the national skeleton (1 总体情况 … 6 其他需要报告的事项)"),
        Column("heading", "string", "标题", "Section heading as printed"),
        Column("text", "string", "正文", "Section text"),
    )),
    Table("narrative_figures", "正文数据", "Figures stated in the narrative (sections 一–六): items published by "
          "channel and category, policy interpretations, messages answered, fees … each with its sentence. "
          "These are the rows of text_counts attributed to a measure (bench/labelling-guide.md defines them).",
          ("report_id", "section", "mention"), (
        _RID,
        Column("measure", "category", "指标", "Narrative measure (metadata/narrative_measures.csv)"),
        Column("value", "Float64", "数值", "The figure as stated (万 multiplied out: 3.5万条 is 35000)"),
        Column("unit", "string", "单位", "Counting unit as printed (条, 件, 篇, 个, 元 …); empty when none is printed"),
        Column("is_approximate", "boolean", "是否约数", "True when printed as an approximation (…余条, 近…, 约…, "
               "超过…, …多篇, …左右)"),
        Column("channel", "category", "渠道", "Where it was published, when stated (items and interpretations)",
               allowed=NARRATIVE_CHANNELS),
        Column("category", "string", "类别", "Category of a breakdown item (其中 …), as printed"),
        Column("section", "Int64", "章节", "Section number the sentence is in"),
        Column("mention", "Int64", "序号", "Order of the count mention in its section (joins text_counts)"),
        Column("evidence", "string", "原句", "The sentence the figure came from"),
    )),
    Table("text_counts", "正文计数", "Every count stated in the narrative (a number with a counting unit, or a "
          "statement that no fee was collected), attributed to a narrative measure or to 'other', with the "
          "reason and the sentence: search it for what the extractor left out.", ("report_id", "section", "mention"), (
        _RID,
        Column("section", "Int64", "章节", "Section number the sentence is in"),
        Column("mention", "Int64", "序号", "Order of the count mention in its section"),
        Column("text", "string", "原文", "The count as printed, e.g. 7700余条"),
        Column("value", "Float64", "数值", "Its number (万 multiplied out)"),
        Column("unit", "string", "单位", "Counting unit as printed; empty when none is printed"),
        Column("is_approximate", "boolean", "是否约数", "True when printed as an approximation"),
        Column("measure", "category", "指标", "Narrative measure it was attributed to, or 'other' "
               "(metadata/narrative_measures.csv)"),
        Column("channel", "category", "渠道", "Channel, for items and interpretations", allowed=NARRATIVE_CHANNELS),
        Column("category", "string", "类别", "Category of a breakdown item, as printed"),
        Column("reason", "string", "依据", "How it was attributed, or why it was left out (e.g. blocked by '阅读')"),
        Column("sentence", "string", "原句", "The sentence it is in"),
    )),
    Table("errors", "解析失败", "One row per file that could not be parsed.", ("source_file",), (
        Column("source_file", "string", "源文件", "Path of the file, relative to the build input"),
        Column("sha256", "string", "文件摘要", "SHA-256 of the file (null when unreadable)"),
        Column("reason", "string", "原因", "Why the file was not parsed"),
        Column("kind", "category", "类别", "not_a_report, pre2019, unreadable, unsupported_format, no_text_layer, "
               "empty, too_large, over_limit (a limit of xxgk.limits), not_a_file (device, FIFO …), not_found, "
               "bad_metadata (its sources.csv line), timeout, out_of_memory, worker_died or internal"),
        Column("build_key", "string", "构建键", "Hash of file content, sources.csv row and parser version"),
    )),
    Table("totals", "办理情况总计", "Per report and Table 3 row: the 总计 column as analyses use it. Where the 总计 cell "
          "was printed blank or '/', the sum of the six applicant columns (is_from_columns); null where the cells "
          "needed are open (ambiguous) or the row is not printed. Every derived figure, summary and chart, and "
          "xxgk.dataset.comparison(), use this one definition.", ("report_id", "row"), (
        _RID,
        Column("row", "category", "办理情况", "Table 3 row code (codes.csv table3_row)"),
        Column("total_count", "Int64", "总计", "The row's total", unit="件"),
        Column("printed_count", "Int64", "表中总计", "The 总计 cell as printed (null when blank, '/' or open)", unit="件"),
        Column("is_from_columns", "boolean", "总计取自分列之和", "True when the 总计 cell was printed blank or '/' and "
               "the six applicant columns (which hold something) give the total"),
    ), derived=True),
    Table("outcome_shares", "办理结果构成", "Per report: what happened to the applications handled (Table 3 总计 "
          "column), as counts and as percentages of total_processed.", ("report_id",), (
        _RID,
        Column("agency", "string", "机关名称", "Canonical agency name"),
        Column("year", "Int64", "报告年度", "Report year"),
        Column("total_processed_count", "Int64", "办理总数", "（七）总计, 总计 column", unit="件"),
        *[c for g, zh in (("granted", "予以公开"), ("partially_granted", "部分公开"), ("denied", "不予公开"),
                          ("unable", "无法提供"), ("not_processed", "不予处理"), ("other", "其他处理"))
          for c in (Column(f"{g}_count", "Int64", zh, f"Applications {g.replace('_', ' ')} (总计 column)", unit="件"),
                    Column(f"{g}_pct", "Float64", f"{zh}占比", f"{g.replace('_', ' ')} as % of total_processed",
                           unit="%"))],
        Column("has_flagged_cells", "boolean", "含标记单元格", "True when any Table 3 cell of the report carries a "
               "flag that needs attention (metadata.ATTENTION_FLAGS: recovered, unaligned, inferred, ambiguous, "
               "invalid, note, unit_unknown)"),
        Column("has_totals_from_columns", "boolean", "总计取自分列之和", "True when 总计 cells were printed blank "
               "or '/' and the sum of the six applicant columns was used instead"),
    ), derived=True),
    Table("applicant_mix", "申请人构成", "Per report: new applications by applicant type (Table 3 row 一).",
          ("report_id",), (
        _RID,
        Column("agency", "string", "机关名称", "Canonical agency name"),
        Column("year", "Int64", "报告年度", "Report year"),
        Column("new_received_count", "Int64", "新收申请总数", "一、本年新收 (总计)", unit="件"),
        Column("natural_person_count", "Int64", "自然人", "New applications from natural persons", unit="件"),
        Column("legal_person_count", "Int64", "法人或其他组织", "New applications from the five organisation "
               "columns together", unit="件"),
        Column("natural_person_pct", "Float64", "自然人占比", "natural persons as % of new applications", unit="%"),
        Column("commercial_count", "Int64", "商业企业", "From commercial enterprises", unit="件"),
        Column("research_count", "Int64", "科研机构", "From research institutions", unit="件"),
        Column("social_org_count", "Int64", "社会公益组织", "From public-interest organisations", unit="件"),
        Column("legal_service_count", "Int64", "法律服务机构", "From legal service organisations", unit="件"),
        Column("other_org_count", "Int64", "其他", "From other organisations", unit="件"),
    ), derived=True),
    Table("review_litigation_rates", "复议诉讼纠错率", "Per report and proceeding: cases, results and the "
          "correction rate (corrected as % of concluded cases).", ("report_id", "proceeding"), (
        _RID,
        Column("agency", "string", "机关名称", "Canonical agency name"),
        Column("year", "Int64", "报告年度", "Report year"),
        Column("proceeding", "category", "程序", "review, litigation_direct, litigation_after_review, or "
               "litigation (the two litigation groups together)"),
        Column("total_count", "Int64", "总计", "Cases (总计)", unit="件"),
        Column("upheld_count", "Int64", "结果维持", "Upheld", unit="件"),
        Column("corrected_count", "Int64", "结果纠正", "Corrected", unit="件"),
        Column("other_count", "Int64", "其他结果", "Other result", unit="件"),
        Column("pending_count", "Int64", "尚未审结", "Pending", unit="件"),
        Column("correction_pct", "Float64", "纠错率", "corrected / (upheld + corrected + other) × 100; null when "
               "no case was concluded", unit="%"),
        Column("per_100_applications", "Float64", "每百件申请", "cases per 100 applications handled "
               "(total_processed)", unit="per 100"),
    ), derived=True),
    Table("tidy", "全部单元格", "One row per cell of the three tables, with the report's agency and year and the "
          "labels of every code in the chosen language (Dataset.tidy(lang)); the form to filter, pivot and export.",
          ("report_id", "table", "row", "column"), (
        _RID,
        Column("agency_id", "string", "机关编号", "Stable agency id"),
        Column("agency", "string", "机关名称", "Canonical agency name"),
        Column("level", "category", "行政层级", "Administrative level of the agency", allowed=LEVELS),
        Column("region", "string", "地区", "Region of the agency"),
        Column("year", "Int64", "报告年度", "Report year"),
        Column("template", "category", "模板版本", "Template version", allowed=TEMPLATE_VALUES),
        Column("table", "category", "表", "active_disclosure (Table 2), applications (Table 3) or review_litigation "
               "(Table 4)", allowed=("active_disclosure", "applications", "review_litigation")),
        Column("table_label", "string", "表名", "The table's name in the chosen language"),
        Column("row", "category", "行", "Table 2 item, Table 3 row or Table 4 proceeding (codes.csv)"),
        Column("row_label", "string", "行名", "The row's label in the chosen language"),
        Column("column", "category", "列", "Table 2 measure, Table 3 applicant or Table 4 outcome (codes.csv)"),
        Column("column_label", "string", "列名", "The column's label in the chosen language"),
        *_VALUE,
        Column("amount", "Float64", "金额", "Table 2 money measures (see active_disclosure.amount)"),
        Column("unit", "string", "单位", "Unit of the value or amount (Table 2)"),
        Column("flag_label", "string", "标记说明", "The flag in the chosen language"),
    ), derived=True),
    Table("year_over_year", "同比变化", "Per agency, year and measure: the value, the previous year's and the "
          "change.", ("agency_id", "year", "measure"), (
        Column("agency_id", "string", "机关编号", "Stable agency id"),
        Column("agency", "string", "机关名称", "Canonical agency name"),
        Column("year", "Int64", "报告年度", "Report year"),
        Column("measure", "category", "指标", "One of the measures listed in xxgk.dataset.YOY_MEASURES"),
        Column("value", "Int64", "本年", "This year's value (a count)"),
        Column("previous_value", "Int64", "上年", "The previous year's value (null when that year is missing)"),
        Column("change", "Int64", "变化", "value − previous_value"),
        Column("change_pct", "Float64", "变化率", "change as % of previous_value", unit="%"),
    ), derived=True),
)}
