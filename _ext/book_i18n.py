"""The book in two languages: English, and Chinese from locales/zh_CN.

See scripts/i18n.py.
1. Prose nested in directives becomes translatable, footnotes included.
   Sphinx extracts and translates only text nodes that know their source
   file; MyST parses a directive's body (a table inside a dropdown, say) into
   nodes without one. A transform gives those nodes the source and line of
   their nearest ancestor that has them, before Sphinx's locale transform.
2. Every page gets a language switcher in its header that goes to the same
   page in the other language (the Chinese site is in zh_CN/ inside the
   English one).
3. On Chinese pages, the fold bars say 显示/隐藏, and *Run in Colab*, the
   repository links and *Download .ipynb* open the Chinese notebook
   (zh_CN/chapters/<name>.ipynb, written by `scripts/i18n.py notebooks` from
   the same catalogs).
"""

from __future__ import annotations

import gettext
import re
import shutil
import sys
from pathlib import Path

import sphinx.locale
import sphinx.transforms.i18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from docutils import nodes
from sphinx.transforms import SphinxTransform

CHINESE = "zh_CN"
FOLD_WORDS = {
    '"code_prompt_show": "Show ': '"code_prompt_show": "显示 ',
    '"code_prompt_hide": "Hide ': '"code_prompt_hide": "隐藏 ',
}


class FillMissingSources(SphinxTransform):
    default_priority = 15  # sphinx.transforms.i18n.Locale runs at 20

    def apply(self, **kwargs):
        for node in self.document.findall(nodes.TextElement):
            if node.source:
                continue
            ancestor = node.parent
            while ancestor is not None and not ancestor.source:
                ancestor = ancestor.parent
            if ancestor is not None:
                node.source = ancestor.source
                node.line = node.line or ancestor.line


_publish_msgstr = sphinx.transforms.i18n.publish_msgstr
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")


BLOCK_START = re.compile(r"^(\s*)(\d+(?=[.)]\s)|[-+*](?=\s)|#{1,6}(?=\s)|>)")


def as_one_paragraph(text: str) -> str:
    """A message as inline text: a leading "1. ", "- ", "# " or ">" would make
    MyST read a whole translation as a list, heading or quote, and Sphinx
    then drops it silently (it patches paragraphs only)."""
    found = BLOCK_START.match(text)
    if not found:
        return text
    marker = found.group(2)
    if marker[0].isdigit():  # "1." -> "1\."
        end = found.end()
        return text[:end] + "\\" + text[end:]
    return text[: found.start(2)] + "\\" + text[found.start(2):]


def publish_msgstr_with_footnotes(
    app, source, source_path, source_line, config, settings
):
    """Parse a translated message as one paragraph, with stand-in definitions
    of its footnotes.

    Sphinx parses each translation alone; MyST reads `[^name]` as a footnote
    reference only when the definition is in the same text, so without this
    every footnote of a translated paragraph would turn into plain text. Only
    the paragraph is kept.
    """
    if not str(source_path).endswith(".rst"):
        source = as_one_paragraph(source)
        labels = dict.fromkeys(
            FOOTNOTE_REF.findall(re.sub(r"`[^`]*`", "", source))
        )
        if labels:
            source += "\n\n" + "\n\n".join(f"[^{label}]: ." for label in labels)
    return _publish_msgstr(
        app, source, source_path, source_line, config, settings
    )


def is_chinese(app) -> bool:
    return (app.config.language or "").replace("-", "_") == CHINESE


UI_LOCALES = Path(__file__).resolve().parent.parent / "locales" / "ui"


def translate_interface(app, config):
    """Put the book's interface catalogs (locales/ui) ahead of Sphinx's and the
    themes' own, which leave some strings in English or in traditional
    characters; and translate the search box's text (a theme option)."""
    if not is_chinese(app):
        return
    folder = UI_LOCALES / CHINESE / "LC_MESSAGES"
    for po in sorted(folder.glob("*.po")):
        if po.stem == "sphinx":  # Sphinx reads it itself (locale_dirs)
            continue
        with po.open("rb") as source, po.with_suffix(".mo").open("wb") as out:
            write_mo(out, read_po(source))
        ours = gettext.translation(po.stem, localedir=str(UI_LOCALES),
                                   languages=[CHINESE])
        key = ("general", po.stem)
        theirs = sphinx.locale.translators.get(key)
        if theirs is not None:
            ours.add_fallback(theirs)
        sphinx.locale.translators[key] = ours
    config.html_theme_options["search_bar_text"] = "搜索本书……"


def translate_fold_bars(app, docname, source):
    if is_chinese(app) and source and source[0].lstrip().startswith("{"):
        for english, chinese in FOLD_WORDS.items():
            source[0] = source[0].replace(english, chinese)


def point_to_chinese_notebooks(buttons):
    for button in buttons:
        if "buttons" in button:
            point_to_chinese_notebooks(button["buttons"])
        url = button.get("url", "")
        if "/main/chapters/" in url:  # Colab and the repository's pages
            button["url"] = url.replace(
                "/main/chapters/", f"/main/{CHINESE}/chapters/"
            )


def add_language_switch(app, pagename, templatename, context, doctree):
    up = "../" * pagename.count("/")
    if is_chinese(app):
        target, text, tip = (
            f"{up}../{pagename}.html",
            "English",
            "English edition",
        )
    else:
        target, text, tip = f"{up}{CHINESE}/{pagename}.html", "中文", "中文版"
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    if is_chinese(app):
        point_to_chinese_notebooks(buttons)
    buttons.insert(
        0,
        {
            "type": "javascript",
            # Same section ids in both editions: keep the reader's place.
        "javascript": f"window.location.href='{target}'+window.location.hash",
            "tooltip": tip,
            "icon": "fas fa-language",
            "text": text,
            "label": "language-switch",
        },
    )


def copy_chinese_notebooks(app, exception):
    """Download on a Chinese page gives the Chinese notebook or page."""
    if (
        exception is not None
        or not is_chinese(app)
        or app.builder.format != "html"
    ):
        return
    root = Path(app.srcdir)
    sources = Path(app.outdir) / "_sources"
    for notebook in sorted((root / CHINESE / "chapters").glob("*.ipynb")):
        if (sources / "chapters" / notebook.name).exists():
            shutil.copyfile(notebook, sources / "chapters" / notebook.name)
    # The markdown pages (intro, how_to_use, ...) translated like the notebooks.
    sys.path.insert(0, str(root / "scripts"))
    from i18n_notebooks import Translator  # noqa: PLC0415

    catalogs = root / "locales" / CHINESE / "LC_MESSAGES"
    for page in sorted(sources.glob("*.md")):
        catalog = catalogs / (page.stem + ".po")
        if catalog.exists():
            english = (root / page.name).read_text(encoding="utf-8")
            page.write_text(Translator(catalog).cell(english), encoding="utf-8")


# Sphinx's search box splits a query at spaces only; Chinese is written without
# them, so a query like 训练模型 would be one unknown word. This splitter cuts
# each run of Chinese characters into the longest words the index knows (from
# the left), and keeps a run whole where the index knows nothing better.
SPLIT_CHINESE_QUERY = r"""
var splitQuery = (query) => {
  const words = query
    .split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu)
    .filter(term => term);
  const index = (typeof Search !== "undefined" && Search._index) || {};
  const known = (w) => (index.terms && index.terms.hasOwnProperty(w))
    || (index.titleterms && index.titleterms.hasOwnProperty(w));
  const out = [];
  for (const word of words) {
    if (!/\p{Script=Han}/u.test(word) || known(word)) {
      out.push(word);
      continue;
    }
    let start = 0;
    while (start < word.length) {
      let end = Math.min(word.length, start + 8);
      while (end > start + 1 && !known(word.slice(start, end))) end -= 1;
      out.push(word.slice(start, end));
      start = end;
    }
  }
  return out;
};
"""


def chinese_search_language():
    from sphinx.search.zh import SearchChinese  # noqa: PLC0415

    class BookSearchChinese(SearchChinese):
        """Chinese search that also keeps one-character words (层, 批, 步),
        which Sphinx 7.4 drops, and splits queries written without spaces."""

        js_splitter_code = SPLIT_CHINESE_QUERY

        def word_filter(self, stemmed_word: str) -> bool:
            return len(stemmed_word) > 1 or bool(
                re.match(r"[\u4e00-\u9fff]", stemmed_word)
            )

    return BookSearchChinese


def setup(app):
    app.add_search_language(chinese_search_language())
    app.add_transform(FillMissingSources)
    sphinx.transforms.i18n.publish_msgstr = publish_msgstr_with_footnotes
    app.connect("config-inited", translate_interface)
    app.connect("source-read", translate_fold_bars)
    # After sphinx-book-theme has added its header buttons (default priority
    # 500).
    app.connect("html-page-context", add_language_switch, priority=900)
    app.connect("build-finished", copy_chinese_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
