"""Synthetic reports: random tables that obey the template's arithmetic, written out in every format.

Used by the round-trip property tests (a table written as pipe text, crawler text, markdown or
HTML must parse back to itself, or be flagged) and by the scale benchmark (``bench/``). The
narrative is filler; the tables follow the national templates exactly.
"""

from __future__ import annotations

import html as _html
import random
import re
from dataclasses import dataclass

from . import metadata as md

_T3_GROUP = {"granted": "三、本年度办理结果", "denied_state_secret": "(三)不予公开", "unable_not_held": "(四)无法提供",
             "rejected_petition": "(五)不予处理", "other_overdue_correction": "(六)其他处理"}
_T2_CAPTION = {"regulations": "第二十条第(一)项", "licensing": "第二十条第(五)项", "punishment": "第二十条第(六)项",
               "fees": "第二十条第(八)项", "procurement": "第二十条第(九)项"}
_T3_FULL = {"partially_granted": "(二)部分公开(区分处理的,只计这一情形,不计其他情形)", "other_handling": "(六)其他处理"}
_MEASURE_ZH = {"decisions": {"2019": "处理决定数量", "2021": "本年处理决定数量"}}


def _label(kind: str, code: str, template: str) -> str:
    zh = md.labels("zh")[(kind, code)]
    m = re.match(r"(.*?)\s*\((\d{4}): (.*)\)$", zh)
    if m:
        return m.group(3) if template == m.group(2) else m.group(1)
    return re.sub(r"\s*\(.*\)$", "", zh)


@dataclass
class SynthReport:
    """A random report: agency, year, template and the true value of every cell."""

    agency: str
    year: int
    template: str
    table2: dict[tuple[str, str], float | int]
    table3: dict[tuple[str, str], int]
    table4: dict[tuple[str, str], int]


def _small(rng: random.Random, busy: float) -> int:
    r = rng.random()
    if r > busy:
        return 0
    return rng.choice([1, 1, 2, 3, 5, 8, 13, 21, 40, 120, 350])


def random_report(rng: random.Random, template: str | None = None, agency: str | None = None,
                  year: int | None = None) -> SynthReport:
    """Draw a report whose Table 3 and Table 4 satisfy R1–R4 and whose cells are all non-negative."""
    template = template or rng.choice(md.TEMPLATES)
    year = year or (rng.choice([2019, 2020]) if template == "2019" else rng.randint(2021, 2025))
    agency = agency or f"{rng.choice(['东','西','南','北','中','新','丰','安'])}{rng.choice(['城','山','江','河','湖','海'])}区人民政府"
    busy = rng.choice([0.05, 0.2, 0.5])
    t2: dict = {}
    for item, measures in md.table2_layout(template):
        for m in measures:
            if m.kind == "count":
                v = rng.choice([0, 0, rng.randint(1, 30), rng.randint(10, 3000)])
            elif m.kind == "signed":
                v = rng.choice([0, rng.randint(-20, 20)])
            elif m.kind == "amount":
                v = rng.choice([0, round(rng.uniform(0, 10000), rng.choice([0, 2, 4]))])
            else:
                v = rng.choice([0, round(rng.uniform(1000, 9e7), 2)])
            t2[(item, m.measure)] = v
    rows = md.table3_rows(template)
    leaves = md.outcome_leaves(template)
    parts = md.TABLE3_PARTS
    t3: dict = {}
    for col in parts:
        col_busy = busy if col == "natural_person" else busy / 6
        for r in leaves:
            t3[(r, col)] = _small(rng, col_busy / 3)
        total = sum(t3[(r, col)] for r in leaves)
        t3[("total_processed", col)] = total
        forward = _small(rng, col_busy / 4)
        carried = rng.randint(0, total + forward) if rng.random() < col_busy else 0
        t3[("carried_forward", col)] = forward
        t3[("carried_over", col)] = carried
        t3[("new_received", col)] = total + forward - carried
    for r in rows:
        t3[(r, "total")] = sum(t3[(r, c)] for c in parts)
    t4: dict = {}
    for p in md.TABLE4_PROCEEDINGS:
        four = [_small(rng, busy / 3) for _ in range(4)]
        for o, v in zip(md.TABLE4_OUTCOMES, four + [sum(four)], strict=True):
            t4[(p, o)] = v
    return SynthReport(agency, year, template, t2, t3, t4)


def _fmt(v) -> str:
    if isinstance(v, float):
        return repr(v) if v != int(v) else str(int(v))
    return str(v)


def _money(v, measure: str) -> str:
    return f"{_fmt(v)}元" if measure == "procurement_amount" else _fmt(v)


_FULLWIDTH = str.maketrans("0123456789(),:", "０１２３４５６７８９（），：")


def _noisy_value(text: str, noise: random.Random | None, fmt: str) -> str:
    """A printed value as real reports write it: zeros blank or '/', digits full-width now and then."""
    if noise is None:
        return text
    if text == "0" and fmt != "crawler-text":  # a lost boundary cannot show an empty cell
        r = noise.random()
        if r < 0.25:
            return ""
        if r < 0.35:
            return noise.choice(["/", "／", "—", "-"])
    if noise.random() < 0.15:
        return text.translate(_FULLWIDTH)
    return text


def _noisy_label(text: str, noise: random.Random | None, fmt: str) -> str:
    """Full-width brackets and commas, and (HTML, Word) a long label broken over two lines."""
    if noise is None:
        return text
    if noise.random() < 0.5:
        text = text.translate(_FULLWIDTH)
    if fmt in ("html", "docx") and len(text) > 12 and noise.random() < 0.5:
        cut = noise.randrange(4, len(text) - 2)
        text = text[:cut] + "\n" + text[cut:]
    return text


def _reshaped(cells: list[str], rng: random.Random | None, subtotal: int | None = None, grid: bool = False) -> list[str]:
    """A row's value cells with one dropped or one extra now and then, as PDF extraction and third-party
    tools leave them: a cell lost (PDF extraction drops empty cells, sometimes others), an empty cell too
    many (merged cells, padding; not in a real table ``grid``, which keeps cells in their columns), or
    (Table 3, ``subtotal`` given) a 法人或其他组织 小计 column that some tools add after 自然人 or before 总计."""
    if rng is None:
        return cells
    r = rng.random()
    if r < 0.12 and len(cells) > 1:
        i = rng.randrange(len(cells))
        return cells[:i] + cells[i + 1:]
    if r < 0.22 and not grid:  # a real table grid keeps its cells in their columns
        i = rng.randrange(len(cells) + 1)
        return cells[:i] + [""] + cells[i:]
    if r < 0.3 and subtotal is not None:
        i = rng.choice([1, len(cells) - 1])
        return cells[:i] + [str(subtotal)] + cells[i:]
    return cells


def table_rows(rep: SynthReport, noise: random.Random | None = None, fmt: str = "pipe-text",
               reshape: random.Random | None = None) -> dict[str, list[list[str]]]:
    """The three tables as rows of printed cells (labels first), in the template's layout.

    With ``noise`` (a random generator), cells and labels are written as real reports write them:
    zeros as blanks or '/', full-width digits and brackets, and labels broken over lines. With
    ``reshape``, some rows lose a cell or gain one (see :func:`_reshaped`).
    """
    t = rep.template
    val = lambda text: _noisy_value(text, noise, fmt)  # noqa: E731
    lab = lambda text: _noisy_label(text, noise, fmt)  # noqa: E731
    shape = lambda cells, sub=None: _reshaped(cells, reshape, sub, fmt in ("html", "docx", "pdf"))  # noqa: E731
    t2: list[list[str]] = []
    for item, measures in md.table2_layout(t):
        if item in _T2_CAPTION:
            t2.append([_T2_CAPTION[item]])
            t2.append(["信息内容"] + [_MEASURE_ZH.get(m.measure, {}).get(t) or _label("table2_measure", m.measure, t)
                                     for m in measures])
        t2.append([lab(_label("table2", item, t))] + shape([val(_money(rep.table2[(item, m.measure)], m.measure))
                                                             for m in measures]))
    header = [["(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", "申请人情况"],
              ["自然人", "法人或其他组织", "总计"], ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]]
    t3 = list(header)
    for r in md.table3_rows(t):
        label = _T3_FULL.get(r) or _label("table3_row", r, t)
        lead = [_T3_GROUP[r]] if r in _T3_GROUP and not (t == "2019" and r == "other_overdue_correction") else []
        t3.append(lead + [lab(label)] + shape([val(str(rep.table3[(r, c)])) for c in md.TABLE3_APPLICANTS],
                                              sum(rep.table3[(r, c)] for c in md.TABLE3_PARTS[1:])))
    t4 = [["行政复议", "行政诉讼"],
          ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
          ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2,
          shape([val(str(rep.table4[(p, o)])) for p in md.TABLE4_PROCEEDINGS for o in md.TABLE4_OUTCOMES])]
    return {"table2": t2, "table3": t3, "table4": t4}


_FILLER = "本机关认真贯彻落实《中华人民共和国政府信息公开条例》,持续推进政务公开工作。"


def _parts(rep: SynthReport):
    title = f"{rep.agency}{rep.year}年政府信息公开工作年度报告"
    heads = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
             "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    return title, heads


def render(rep: SynthReport, fmt: str, noise: random.Random | None = None,
           reshape: random.Random | None = None) -> str:
    """Write a report as ``pipe-text``, ``crawler-text`` (cell boundaries lost), ``markdown`` or ``html``
    (with ``noise``: the formatting noise of real reports; with ``reshape``: rows with a cell dropped or
    added; see :func:`table_rows`)."""
    title, heads = _parts(rep)
    tables = table_rows(rep, noise, fmt, reshape)
    order = ["table2", "table3", "table4"]
    if fmt == "html":
        out = [f"<html><head><meta charset='utf-8'><title>{_html.escape(title)}</title></head><body>",
               f"<h1>{_html.escape(title)}</h1>"]
        for i, h in enumerate(heads):
            out.append(f"<p>{h}</p>")
            if 1 <= i <= 3:
                out.append("<table border='1'>")
                for row in tables[order[i - 1]]:
                    out.append("<tr>" + "".join(f"<td>{_html.escape(c).replace(chr(10), '<br>') if c else '&nbsp;'}</td>"
                                                for c in row) + "</tr>")
                out.append("</table>")
            else:
                out.append(f"<p>{_FILLER}</p>")
        out.append("</body></html>")
        return "\n".join(out)
    if fmt == "crawler-text":
        body = [title]
        for i, h in enumerate(heads):
            body.append(h)
            body.append("".join("".join(r) for r in tables[order[i - 1]]) if 1 <= i <= 3 else _FILLER)
        return f"标题: {title}\n发布机构: {rep.agency}\n==================== 正文 ====================\n" + "".join(body)
    lines = [title]
    for i, h in enumerate(heads):
        lines.append(h)
        if 1 <= i <= 3:
            for row in tables[order[i - 1]]:
                if fmt == "markdown":
                    lines.append("| " + " | ".join(row) + " |")
                    if row is tables[order[i - 1]][0]:
                        lines.append("|" + "---|" * len(row))
                else:
                    lines.append(" | ".join(row) + " |")
            lines.append("")
        else:
            lines.append(_FILLER)
    return "\n".join(lines) + "\n"


def render_docx(rep: SynthReport, noise: random.Random | None = None, reshape: random.Random | None = None) -> bytes:
    """The report as a Word .docx with real tables (python-docx)."""
    import io

    import docx

    title, heads = _parts(rep)
    tables = table_rows(rep, noise, "docx", reshape)
    order = ["table2", "table3", "table4"]
    d = docx.Document()
    d.add_paragraph(title)
    for i, h in enumerate(heads):
        d.add_paragraph(h)
        if 1 <= i <= 3:
            rows = tables[order[i - 1]]
            width = max(len(r) for r in rows)
            t = d.add_table(rows=len(rows), cols=width)
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    t.cell(r, c).text = text
        else:
            d.add_paragraph(_FILLER)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def render_pdf(rep: SynthReport, noise: random.Random | None = None, reshape: random.Random | None = None) -> bytes:
    """The report as a PDF with a text layer: tables drawn with ruling lines (fpdf2, SimHei from mplfonts)."""
    from pathlib import Path

    import mplfonts
    from fpdf import FPDF

    title, heads = _parts(rep)
    tables = table_rows(rep, noise, "pdf", reshape)
    order = ["table2", "table3", "table4"]
    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=str(Path(mplfonts.__file__).parent / "fonts" / "SimHei.ttf"))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("cjk", size=9)
    pdf.set_line_width(0.2)
    left, width = 12.0, 186.0
    y = [15.0]

    def line(text: str) -> None:
        if y[0] > 280:
            pdf.add_page()
            y[0] = 15.0
        pdf.text(left, y[0], text)
        y[0] += 6

    line(title)
    for i, h in enumerate(heads):
        line(h)
        if not 1 <= i <= 3:
            line(_FILLER[:40])
            continue
        for row in tables[order[i - 1]]:
            if y[0] > 275:
                pdf.add_page()
                y[0] = 15.0
            k = next((j for j, c in enumerate(row) if not c or re.fullmatch(r"[+\-]?[0-9.０-９]+元?|[/／—-]", c)),
                     len(row))
            if order[i - 1] != "table4" and 1 < k < len(row):
                row = ["".join(row[:k])] + row[k:]  # group and row label share one label cell
            n = len(row)
            label_w = 70.0 if n > 1 and order[i - 1] != "table4" else 0.0
            cw = (width - label_w) / max(1, n - (1 if label_w else 0))
            xs = [left] + ([left + label_w] if label_w else [])
            while len(xs) < n + 1:
                xs.append(xs[-1] + cw)
            top, bottom = y[0] - 4.5, y[0] + 2.0
            pdf.line(left, top, left + width, top)
            pdf.line(left, bottom, left + width, bottom)
            for x in xs:
                pdf.line(x, top, x, bottom)
            for k, text in enumerate(row):
                size = 9
                while pdf.get_string_width(text) > (xs[k + 1] - xs[k] - 1) and size > 3:
                    size -= 0.5
                    pdf.set_font_size(size)
                pdf.text(xs[k] + 0.5, y[0], text)
                pdf.set_font_size(9)
            y[0] += 6.5
        y[0] += 3
    return bytes(pdf.output())


def render_bytes(rep: SynthReport, fmt: str, noise: random.Random | None = None,
                 reshape: random.Random | None = None) -> bytes:
    """The report in any generated format, as the bytes of a file."""
    if fmt == "docx":
        return render_docx(rep, noise, reshape)
    if fmt == "pdf":
        return render_pdf(rep, noise, reshape)
    return render(rep, fmt, noise, reshape).encode("utf-8")


FORMATS = ("pipe-text", "crawler-text", "markdown", "html")
ALL_FORMATS = FORMATS + ("docx", "pdf")
