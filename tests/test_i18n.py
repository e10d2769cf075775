"""The Chinese edition stays complete and in step with the English sources.

- every message of every page is translated, none fuzzy, markup kept (scripts/i18n.py check),
  and the catalogs hold exactly the messages the English sources give today;
- the committed Chinese notebooks are what the catalogs make (scripts/i18n.py notebooks
  --check), with code, outputs and metadata identical to the English notebooks;
- the notebook translator and the checker themselves, on small made-up inputs.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polib
import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

import i18n  # noqa: E402
import i18n_notebooks  # noqa: E402

CHAPTERS = sorted((REPO / "chapters").glob("*.ipynb"))


def run_i18n(*args):
    return subprocess.run([sys.executable, str(REPO / "scripts" / "i18n.py"), *args],
                          capture_output=True, text=True, cwd=REPO)


def test_every_message_translated_and_catalogs_in_step_with_english():
    result = run_i18n("check")
    assert result.returncode == 0, (
        "The Chinese catalogs are incomplete or out of step with the English. Run "
        "scripts/i18n.py extract, translate what it lists, then scripts/i18n.py "
        "notebooks (README, 'The Chinese edition'):\n" + result.stdout[-4000:]
        + result.stderr[-2000:])


def test_committed_chinese_notebooks_are_what_the_catalogs_make():
    result = run_i18n("notebooks", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("english", CHAPTERS, ids=lambda p: p.stem)
def test_chinese_notebook_changes_only_markdown(english):
    chinese = REPO / i18n.LANG / "chapters" / english.name
    assert chinese.exists(), f"{chinese} is missing: run scripts/i18n.py notebooks"
    en = json.loads(english.read_text(encoding="utf-8"))
    zh = json.loads(chinese.read_text(encoding="utf-8"))
    assert en["metadata"] == zh["metadata"]  # widget state included
    assert len(en["cells"]) == len(zh["cells"])
    changed = 0
    for a, b in zip(en["cells"], zh["cells"]):
        if a["cell_type"] != "markdown":
            assert a == b, f"cell {a.get('id')} differs: only markdown may change"
        else:
            assert {k: v for k, v in a.items() if k != "source"} == {
                k: v for k, v in b.items() if k != "source"}
            changed += a["source"] != b["source"]
    assert changed > 0
    # No English block that the catalog translates is left in a markdown cell
    # (blocks the catalog keeps as they are, code-only ones, may stay).
    translator = i18n_notebooks.Translator(
        i18n.PO_DIR / "chapters" / (english.stem + ".po"))
    for cell in zh["cells"]:
        if cell["cell_type"] == "markdown":
            translator.cell("".join(cell["source"]))
    left = sorted(k for k in translator.used if translator.table[k] != k)
    assert left == [], f"English left in the Chinese notebook: {left[:3]}"


SAMPLE = """\
## A heading

A paragraph on two
lines with `code` and a footnote[^a].

- an item that
  goes on
- second item

| name | meaning |
|---|---|
| `fit` | trains |

$$
y = x
$$

```{dropdown} Under the hood
Inside a dropdown.

| a | b |
|---|---|
| one | two |
```

[^a]: The footnote.
"""

TRANSLATIONS = {
    "A heading": "一个标题",
    "A paragraph on two lines with `code` and a footnote[^a].":
        "一个有 `code` 和脚注[^a]的段落。",
    "an item that goes on": "一个条目",
    "second item": "第二个条目",
    "name": "名称", "meaning": "含义", "trains": "训练",
    "\ny = x\n": "\ny = x\n",
    "Under the hood": "幕后",
    "Inside a dropdown.": "在下拉框里。",
    "a": "a", "b": "b", "one": "一", "two": "二",
    "The footnote.": "脚注。",
}


def make_catalog(tmp_path, translations, fuzzy=()):
    po = polib.POFile()
    for msgid, msgstr in translations.items():
        entry = polib.POEntry(msgid=msgid, msgstr=msgstr)
        if msgid in fuzzy:
            entry.flags.append("fuzzy")
        po.append(entry)
    path = tmp_path / "sample.po"
    po.save(str(path))
    return path


def test_translator_replaces_each_kind_of_block(tmp_path):
    translator = i18n_notebooks.Translator(make_catalog(tmp_path, TRANSLATIONS))
    out = translator.cell(SAMPLE)
    assert out.splitlines() == [
        "## 一个标题", "", "一个有 `code` 和脚注[^a]的段落。", "", "- 一个条目",
        "- 第二个条目", "", "| 名称 | 含义 |", "|---|---|", "| `fit` | 训练 |", "",
        "$$", "y = x", "$$", "", "```{dropdown} 幕后", "在下拉框里。", "",
        "| a | b |", "|---|---|", "| 一 | 二 |", "```", "", "[^a]: 脚注。"]
    assert translator.missed == []


def test_translator_reports_english_left_over(tmp_path):
    translator = i18n_notebooks.Translator(
        make_catalog(tmp_path, {"A heading": "一个标题"}))
    translator.cell(SAMPLE)
    assert "second item" in translator.missed


def test_checker_reports_untranslated_fuzzy_and_changed_markup(tmp_path):
    path = make_catalog(tmp_path, {
        "Call `fit` now.": "现在调用 `fit`。",          # fine
        "Untranslated `x`.": "",
        "Changed text.": "旧译文。",
        "See [the API](https://keras.io/api/) and $x$[^n].": "见 [API](https://keras.io/)。",
        "Run `model.fit()`.": "运行 `model.fit`。",
    }, fuzzy=("Changed text.",))
    problems = "\n".join(i18n.problems_in(path))
    assert "Untranslated" in problems and "untranslated" in problems
    assert "fuzzy" in problems
    assert "link:https://keras.io/api/" in problems and "math:x" in problems
    assert "footnote:[^n]" in problems
    assert "code:`model.fit()`" in problems
    assert "Call `fit` now." not in problems


def test_launch_line_points_to_the_chinese_notebook():
    english = ("[Run in Colab](https://colab.research.google.com/github/"
               "keras-course-book/keras-course-book/blob/main/chapters/01_layers.ipynb)")
    assert i18n.chapter_launch_line(english) == (
        "[在 Colab 中运行](https://colab.research.google.com/github/"
        "keras-course-book/keras-course-book/blob/main/zh_CN/chapters/01_layers.ipynb)")


def test_glossary_gives_search_terms_including_older_names():
    terms = i18n.glossary_terms()
    for term in ("回调", "指标", "装配", "网络容器", "测量器"):
        assert term in terms
    assert all(" " not in term for term in terms)


def test_chinese_table_of_contents_translates_every_caption():
    toc = i18n.chinese_toc()
    captions = [line for line in toc.splitlines() if "- caption:" in line]
    assert captions and all(
        any("\u4e00" <= ch <= "\u9fff" for ch in line) for line in captions), captions


def test_checker_reports_bold_that_does_not_close(tmp_path):
    path = make_catalog(tmp_path, {
        "**Exercise 1.** Design a model.": "**练习 1.**设计一个模型。",
        "**Exercise 2.** Train it.": "**练习 2**：训练它。",
    })
    problems = i18n.problems_in(path)
    assert len(problems) == 1 and "Exercise 1" in problems[0]


def test_checker_lets_a_role_title_be_translated_but_not_its_target(tmp_path):
    path = make_catalog(tmp_path, {
        "See {ref}`chapter 3b <order>`.": "见{ref}`第 3b 章 <order>`。",
        "See {doc}`the appendix <appendix>`.": "见{doc}`附录 <elsewhere>`。",
        "Read {doc}`chapters/x`.": "阅读 {doc}`chapters/x`。",
    })
    problems = i18n.problems_in(path)
    assert len(problems) == 1 and "role:{doc}<appendix>" in problems[0]


def test_checker_reports_a_translation_that_is_not_one_paragraph(tmp_path):
    path = make_catalog(tmp_path, {
        "1. Imports and back ends": "1. 导入和后端",        # a numbered heading: fine
        "One paragraph here.": "一段。\n\n又一段。",         # two paragraphs: dropped
    })
    problems = i18n.problems_in(path)
    assert len(problems) == 1 and "One paragraph here." in problems[0]


def test_a_translation_starting_like_a_list_still_reads_as_a_paragraph():
    sys.path.insert(0, str(REPO / "_ext"))
    from book_i18n import as_one_paragraph

    assert as_one_paragraph("1. 导入") == "1\\. 导入"
    assert as_one_paragraph("- 项") == "\\- 项"
    assert as_one_paragraph("**练习 1**：做") == "**练习 1**：做"
    assert i18n.one_paragraph("1. 导入") and i18n.one_paragraph("# 标题")


def test_translator_skips_literal_directives_and_reads_tilde_fences(tmp_path):
    translator = i18n_notebooks.Translator(make_catalog(tmp_path, {
        "Note title": "注意标题", "Inside.": "里面。"}))
    source = ("~~~{note} Note title\nInside.\n~~~\n\n"
              "```{code-block} python\nprint('hello world')\n```")
    assert translator.cell(source).splitlines() == [
        "~~~{note} 注意标题", "里面。", "~~~", "",
        "```{code-block} python", "print('hello world')", "```"]
    assert translator.missed == []
