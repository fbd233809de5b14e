"""Each reader on small inputs; format detection from content; encodings."""

from xxgk.document import Paragraph, Table
from xxgk.readers import detect, plaintext, read_bytes
from xxgk.readers import html as html_reader
from xxgk.readers import markdown as md_reader
from xxgk.readers import pipe as pipe_reader


def test_pipe_reader_keeps_empty_cells_and_paragraphs():
    doc = pipe_reader.read("二、主动公开政府信息情况\n第二十条第(一)项 | |||\n规章 | 0 |  | 3 |\n三、标题\n", "x")
    assert isinstance(doc.blocks[0], Paragraph)
    table = doc.blocks[1]
    assert isinstance(table, Table)
    assert [c.text for c in table.rows[0]] == ["第二十条第(一)项", "", "", ""]
    assert [c.text for c in table.rows[1]] == ["规章", "0", "", "3"]
    assert isinstance(doc.blocks[2], Paragraph)


def test_markdown_reader_drops_separators_and_heading_marks():
    doc = md_reader.read("## 表二\n| a | b |\n|---|---|\n| 1 | 2 |\n\n| 3 | 4 |\n", "x")
    assert doc.blocks[0].text == "表二"
    assert [[c.text for c in r] for r in doc.blocks[1].rows] == [["a", "b"], ["1", "2"]]
    assert [[c.text for c in r] for r in doc.blocks[2].rows] == [["3", "4"]]


def test_html_reader_spans_nbsp_and_blocks():
    src = ("<div><p>标题</p><table><tr><td rowspan='2'>三、结果</td><td colspan=\"2\">x</td></tr>"
           "<tr><td>&nbsp;</td><td><span>1</span><span>2</span></td></tr></table><p>尾</p></div>")
    doc = html_reader.read(src, "x")
    assert doc.blocks[0].text == "标题"
    t = doc.blocks[1]
    assert (t.rows[0][0].rowspan, t.rows[0][1].colspan) == (2, 2)
    assert [c.text for c in t.rows[1]] == ["\u00a0", "12"]
    assert doc.blocks[2].text == "尾"


def test_plaintext_reader_one_paragraph_per_line():
    doc = plaintext.read("a\n\n b \n", "x")
    assert [b.text for b in doc.blocks] == ["a", " b "]


def test_format_detected_from_content_not_extension():
    assert detect(b"<html><body><table><tr><td>1</td></tr></table>", "<html><body><table><tr><td>1</td></tr></table>") == "html"
    assert detect(b"%PDF-1.7", None) == "pdf"
    assert detect(b"\xd0\xcf\x11\xe0\xa1\xb1", None) == "doc"
    md = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n"
    assert detect(md.encode(), md) == "markdown"
    pipe = "\n".join(["a | b | c"] * 6)
    assert detect(pipe.encode(), pipe) == "pipe-text"
    assert detect("标题: x\n==== 正文 ====\n正文".encode(), "标题: x\n==== 正文 ====\n正文") == "crawler-text"


def test_encodings_gbk_meta_and_bom():
    html = "<html><head><meta charset='gbk'></head><body><p>政府信息公开</p><p>二</p><p>三</p></body></html>"
    doc = read_bytes(html.encode("gbk"), "x.html")
    assert doc.encoding == "gbk" or doc.encoding == "gb18030"
    assert "政府信息公开" in doc.blocks[0].text
    doc = read_bytes("\ufeff政府信息公开\n".encode(), "x.txt")
    assert doc.blocks[0].text == "政府信息公开"
    doc = read_bytes("政府信息公开工作年度报告".encode("gb18030"), "x.txt")
    assert doc.encoding == "gb18030" and doc.blocks[0].text == "政府信息公开工作年度报告"


def test_pipe_row_with_blank_first_cell_keeps_it():
    doc = pipe_reader.read(" | 0 | 3 |\n| a | b |\n", "x")
    rows = [[c.text for c in r] for r in doc.blocks[0].rows]
    assert rows[0] == ["", "0", "3"]  # space first: a blank cell, not a markdown edge
    assert rows[1] == ["a", "b"]  # pipe first: markdown-style edges
