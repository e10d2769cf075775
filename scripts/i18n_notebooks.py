"""Translate a notebook's markdown cells from a gettext catalog.

Sphinx extracts one message per paragraph, heading, list item, table cell,
directive title and footnote: the inline markdown source of that block, with
its line breaks turned into spaces. The same parser that MyST uses
(markdown-it with MyST's plugins) finds those blocks again in each markdown
cell, with their line numbers, so each block's lines are replaced by its
translation. Code cells, outputs and all metadata (widget state included) are
copied unchanged. Used by `scripts/i18n.py notebooks`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polib
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

# The book's markdown extensions (_config.yml, parse.myst_enable_extensions).
EXTENSIONS = {"colon_fence", "dollarmath", "deflist"}
_PARSER = create_md_parser(
    MdParserConfig(enable_extensions=EXTENSIONS), RendererHTML
)
# Directives whose argument and body are not prose (a language, a path, code).
LITERAL_DIRECTIVES = ("{code", "{literalinclude", "{math", "{figure", "{image",
                      "{raw", "{eval-rst", "{include", "{glue")
DIRECTIVE = re.compile(r"^\{[\w:-]+\}\s*(.*)$")


def message_key(text: str) -> str:
    """The msgid Sphinx extracts for a block whose inline source is text."""
    return text.replace("\n", " ").strip()


class Translator:
    def __init__(self, po_path: Path):
        po = polib.pofile(str(po_path))
        self.table = {
            e.msgid: e.msgstr
            for e in po
            if e.msgstr and not e.obsolete and "fuzzy" not in e.flags
        }
        self.used: set[str] = set()
        self.missed: list[str] = []
        self._row_positions: dict[
            int, int
        ] = {}  # table row -> where to search next

    def lookup(self, text: str) -> str | None:
        key = message_key(text)
        if key in self.table:
            self.used.add(key)
            return self.table[key]
        prose = re.sub(r"(`+).+?\1|\]\([^)]*\)|https?://\S+", "", key)
        if re.search(
            r"[A-Za-z]{2,}", prose
        ):  # English words, not just code or links
            self.missed.append(key)
        return None

    def text(self, source: str) -> str:
        """Translate one markdown text (a cell, or a directive's body)."""
        lines = source.split("\n")
        outer_rows, self._row_positions = self._row_positions, {}
        edits: list[
            tuple[int, int, list[str]]
        ] = []  # (first, last+1, new lines)
        tokens = _PARSER.parse(source, {})
        skip_until = -1
        for i, token in enumerate(tokens):
            if i <= skip_until:
                continue
            if token.type in ("fence", "colon_fence") and token.map:
                edits.append(self._directive(token, lines))
            elif token.type == "math_block" and token.map:
                edits.append(self._math_block(token, lines))
            elif token.type == "inline" and token.map:
                replaced = self._inline(
                    token, lines, tokens[i - 1] if i else None
                )
                if replaced:
                    edits.append(replaced)
        for first, stop, new in sorted(edits, key=lambda e: e[0], reverse=True):
            lines[first:stop] = new
        self._row_positions = outer_rows
        return "\n".join(lines)

    def _inline(self, token, lines, opener):
        translation = self.lookup(token.content)
        if translation is None:
            return None
        first, stop = token.map
        if opener is not None and opener.type in ("th_open", "td_open"):
            # A table row: several cells on one line; replace this cell's text
            # only.
            # Cells are handled left to right, so search after the previous
            # cell.
            return self._table_cell(token, lines, translation)
        content_lines = token.content.split("\n")
        head = lines[first]
        at = (
            head.rfind(content_lines[0])
            if len(content_lines) > 1
            else head.find(content_lines[0])
        )
        if at < 0:
            raise ValueError(f"cannot find {content_lines[0]!r} in {head!r}")
        end = at + len(content_lines[0])
        if len(content_lines) == 1:
            new_head = head[:at] + translation + head[end:]
        else:
            new_head = head[:at] + translation
        return (first, first + len(content_lines), [new_head])

    def _math_block(self, token, lines):
        # Sphinx keeps a display formula's source as it is (line breaks
        # included).
        first, stop = token.map
        translation = self.table.get(token.content)
        if translation is None:
            return (first, stop, lines[first:stop])
        self.used.add(token.content)
        return (first, stop, f"$${translation}$$".split("\n"))

    def _table_cell(self, token, lines, translation):
        row = token.map[0]
        line = lines[row]
        state = self._row_positions.setdefault(row, 0)
        at = line.find(token.content, state)
        if at < 0:
            raise ValueError(
                f"cannot find table cell {token.content!r} in {line!r}"
            )
        self._row_positions[row] = at + len(translation)
        lines[row] = line[:at] + translation + line[at + len(token.content) :]
        return None

    def _directive(self, token, lines):
        first, stop = token.map
        opening = lines[first]
        fence = re.match(r"^(\s*)(`{3,}|:{3,}|~{3,})(.*)$", opening)
        info = token.info.strip()
        found = DIRECTIVE.match(info)
        if not found:  # a plain code block: nothing to translate
            return (first, stop, lines[first:stop])
        if fence is None:
            raise ValueError(
                f"a directive not at the start of its line ({opening!r}), "
                "e.g. inside a block quote, is not supported"
            )
        literal = info.startswith(LITERAL_DIRECTIVES)
        argument = found.group(1)
        if argument and not literal:  # a title, not a language or a path
            translation = self.lookup(argument)
            if translation is not None:
                opening = opening[: opening.rfind(argument)] + translation
        body = (
            lines[first + 1 : stop - 1]
            if lines[stop - 1].strip().startswith(fence.group(2))
            else lines[first + 1 : stop]
        )
        closing = lines[first + 1 + len(body) : stop]
        options = []
        while body and re.match(r"^\s*:[\w-]+:", body[0]):
            options.append(body.pop(0))
        if body and body[0].strip() == "---":  # YAML options block
            end = body.index("---", 1) if "---" in body[1:] else 0
            options, body = body[: end + 1], body[end + 1 :]
        if literal:
            new_body = body
        else:
            new_body = self.text("\n".join(body)).split("\n") if body else []
        return (first, stop, [opening, *options, *new_body, *closing])

    def cell(self, source: str) -> str:
        return self.text(source)


def translate_notebook(
    notebook_path: Path, po_path: Path
) -> tuple[str, list[str]]:
    """The Chinese notebook's JSON, and the English blocks the catalog does not
    translate (yet); raises if a translation is left unused."""
    notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    translator = Translator(po_path)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"])
        new = translator.cell(source)
        if new != source:
            cell["source"] = new.splitlines(keepends=True)
    unused = sorted(
        set(translator.table)
        - translator.used
        - {k for k, v in translator.table.items() if k == v}
    )
    if unused:
        raise ValueError(
            f"{notebook_path.name}: {len(unused)} message(s) not found in "
            f"its cells, e.g. {unused[0][:80]!r}"
        )
    # As nbformat.write formats it, so both notebooks read alike in a diff.
    text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False)
    return text + "\n", translator.missed
