#!/usr/bin/env python3
"""The Chinese edition: catalogs, checks, and the Chinese notebooks.

One source, two languages. The English notebooks and pages are the only
source; Sphinx's gettext builder extracts their prose (markdown cells, never
code or outputs) into one catalog per page,
locales/zh_CN/LC_MESSAGES/<page>.po, which the team translates.

    i18n.py extract      update the catalogs from the English sources (new and
                         changed paragraphs appear untranslated or fuzzy;
                         removed ones go)
    i18n.py check        fail on an untranslated or fuzzy message, on markup
                         (code spans, roles, math, footnotes, link targets) a
                         translation changed, or on catalogs out of step with
                         the English sources
    i18n.py notebooks    write the Chinese notebooks zh_CN/chapters/*.ipynb
                         from the catalogs (--check: fail if that would
                         change any file)
    i18n.py build-files DIR
                         write the Chinese build's _config.yml (title,
                         language, search, fold hints), _toc.yml (captions
                         from intro.po) and jieba dictionary (the glossary's
                         Chinese terms) into DIR

See README.md, "The Chinese edition", for an author's workflow.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LANG = "zh_CN"
PO_DIR = ROOT / "locales" / LANG / "LC_MESSAGES"
NOTEBOOK_DIR = (
    ROOT / LANG
)  # zh_CN/chapters/<name>.ipynb, same names as the English ones
GLOSSARY = ROOT / "glossary.md"

# Markup a translation must keep exactly (as a multiset per message).
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$")
FOOTNOTE = re.compile(r"\[\^[^\]]+\]")
LINK_TARGET = re.compile(r"\]\(([^)\s]+)")
def _repository() -> tuple[str, str]:
    """owner/name and branch, from _config.yml (via scripts/shared_cells.py)."""
    import shared_cells  # noqa: PLC0415

    url = shared_cells.repository_url()
    return url.split("github.com/", 1)[1], shared_cells._repository("branch")


REPO_PATH, BRANCH = _repository()
NOTEBOOK_URL = re.compile(
    r"(github\.com/|githubusercontent\.com/|colab\.research\.google\.com/github/)"
    + re.escape(REPO_PATH)
    + r"/(blob/|)"
    + re.escape(BRANCH)
    + r"/chapters/"
)


def localized_url(url: str) -> str:
    """A link to an English notebook of this repository, pointed at its twin."""
    return NOTEBOOK_URL.sub(
        lambda m: m.group(0)[: -len("chapters/")] + f"{LANG}/chapters/", url
    )


ROLE_SPAN = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
TITLED_TARGET = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)


def role_item(match: re.Match) -> str:
    """A role and its target; an explicit title (`Title <target>`) may vary."""
    name, content = match.groups()
    titled = TITLED_TARGET.match(content)
    return f"role:{{{name}}}" + (f"<{titled.group(2)}>" if titled else content)


def markup(text: str, localize: bool = False) -> list[str]:
    items = [role_item(m) for m in ROLE_SPAN.finditer(text)]
    text = ROLE_SPAN.sub("", text)
    items += ["code:" + m.group(0) for m in CODE_SPAN.finditer(text)]
    no_code = CODE_SPAN.sub("", text)
    items += ["math:" + m for m in MATH.findall(no_code)]
    items += ["footnote:" + m for m in FOOTNOTE.findall(no_code)]
    items += [
        "link:" + (localized_url(u) if localize else u)
        for u in LINK_TARGET.findall(no_code)
    ]
    return sorted(items)


def emphasis(text: str) -> tuple[int, int]:
    """How many bold and italic spans text renders to (MyST's parser)."""
    from i18n_notebooks import _PARSER  # noqa: PLC0415

    html = _PARSER.renderInline(text)
    return html.count("<strong>"), html.count("<em>")


def one_paragraph(text: str) -> bool:
    """Whether the Chinese build can use text: Sphinx keeps a translation only
    when it parses as one paragraph (_ext/book_i18n.py escapes a leading
    list or heading marker first, as here)."""
    sys.path.insert(0, str(ROOT / "_ext"))
    from book_i18n import as_one_paragraph  # noqa: PLC0415
    from i18n_notebooks import _PARSER  # noqa: PLC0415

    kinds = [t.type for t in _PARSER.parse(as_one_paragraph(text), {})
             if t.level == 0]
    return kinds == ["paragraph_open", "paragraph_close"]


def has_words(text: str) -> bool:
    """Whether a message has English words (beyond code, math and links)."""
    rest = CODE_SPAN.sub("", text)
    rest = MATH.sub("", rest)
    rest = LINK_TARGET.sub("]", rest)
    rest = re.sub(r"https?://\S+", "", rest)
    return re.search(r"[A-Za-z]{2,}", rest) is not None


def extract_pot(dest: Path) -> Path:
    """Run Sphinx's gettext builder over the book; return the .pot folder."""
    import yaml  # noqa: PLC0415

    # The site's copied browser libraries (html_extra_path) play no part in
    # the messages, and a fresh clone has not built them yet.
    config = book_config()
    config["sphinx"]["config"].pop("html_extra_path", None)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    cmd = [
        sys.executable,
        "-c",
        "import sys; from jupyter_book.cli.main import main; "
        "sys.argv[0] = 'jupyter-book'; sys.exit(main())",
        "build",
        str(ROOT),
        "--builder",
        "custom",
        "--custom-builder",
        "gettext",
        "--config",
        str(dest / "_config.yml"),
        "--path-output",
        str(dest),
        "-W",
        "--keep-going",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(
            "gettext extraction failed:\n"
            + result.stdout[-3000:]
            + result.stderr[-3000:]
        )
    return dest / "_build" / "gettext"


def chapter_launch_line(msgid: str) -> str | None:
    """The 'Run in Colab · Download notebook · View source' line, translated."""
    if not msgid.startswith("[Run in Colab]("):
        return None
    words = {
        "Run in Colab": "在 Colab 中运行",
        "Download notebook": "下载 notebook",
        "View source": "查看源文件",
    }
    out = msgid
    for english, chinese in words.items():
        out = out.replace(f"[{english}](", f"[{chinese}](")
    return LINK_TARGET.sub(lambda m: "](" + localized_url(m.group(1)), out)


def autofill(po: polib.POFile) -> int:
    """Fill what needs no translator: no English words; the launch line."""
    filled = 0
    for entry in po:
        if entry.obsolete or (entry.msgstr and "fuzzy" not in entry.flags):
            continue
        launch = chapter_launch_line(entry.msgid)
        if launch is not None:
            entry.msgstr = launch
        elif not has_words(entry.msgid):
            entry.msgstr = entry.msgid
        else:
            continue
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        filled += 1
    return filled


def update_catalog(pot: Path, po_path: Path) -> None:
    """Merge a page's template into its catalog, as sphinx-intl would, but keep
    the previous English of a changed message ("#| msgid") next to the old
    translation, so the translator sees what changed."""
    from babel.messages.catalog import Catalog  # noqa: PLC0415
    from babel.messages.pofile import read_po, write_po  # noqa: PLC0415

    with pot.open("rb") as source:
        template = read_po(source)
    if po_path.exists():
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=LANG)
    else:
        catalog = Catalog(locale=LANG, domain=po_path.stem)
    catalog.update(template, no_fuzzy_matching=False)
    po_path.parent.mkdir(parents=True, exist_ok=True)
    with po_path.open("wb") as out:
        write_po(out, catalog, width=0, ignore_obsolete=True, no_location=True)
    # Babel wraps "#| msgid" comments whatever the width (and breaks them);
    # polib writes them whole.
    previous = {m.id: m.previous_id[0] for m in catalog
                if m.id and m.previous_id and m.fuzzy}
    if previous:
        po = polib.pofile(str(po_path), wrapwidth=-1)
        for entry in po:
            if entry.msgid in previous:
                entry.previous_msgid = previous[entry.msgid]
        po.save()


def cmd_extract(_args) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        pot_dir = extract_pot(Path(tmp))
        pots = sorted(pot_dir.rglob("*.pot"))
        before = {p: p.read_bytes() for p in PO_DIR.rglob("*.po")}
        for pot in pots:
            page = pot.relative_to(pot_dir).with_suffix(".po")
            update_catalog(pot, PO_DIR / page)
        expected = {p.relative_to(pot_dir).with_suffix(".po") for p in pots}
    for po_path in sorted(PO_DIR.rglob("*.po")):
        if po_path.relative_to(PO_DIR) not in expected:
            po_path.unlink()  # a page that left the book
            print(f"removed {po_path.relative_to(ROOT)} (no such page)")
            continue
        po = polib.pofile(str(po_path), wrapwidth=-1)
        po.metadata["Language"] = LANG
        po.metadata["Project-Id-Version"] = "Keras 3 by Doing"
        filled = autofill(po)
        for entry in (
            po
        ):  # Babel guesses "python-format" from a "%"; prose is not a format
            if "python-format" in entry.flags:
                entry.flags.remove("python-format")
        po.save()
        stamp = re.compile(rb'"POT-Creation-Date: [^"]*"')
        old = before.get(po_path)
        if old is not None and stamp.sub(b"", old) == stamp.sub(
            b"", po_path.read_bytes()
        ):
            po_path.write_bytes(old)  # only the template's date changed
        todo = sum(
            1
            for e in po
            if not e.obsolete and (not e.msgstr or "fuzzy" in e.flags)
        )
        if todo or filled:
            print(
                f"{po_path.relative_to(ROOT)}: {todo} to translate"
                + (f" ({filled} filled automatically)" if filled else "")
            )
    return 0


def problems_in(po_path: Path) -> list[str]:
    po = polib.pofile(str(po_path))
    name = (
        po_path.relative_to(ROOT) if po_path.is_relative_to(ROOT) else po_path
    )
    out = []
    for entry in po:
        if entry.obsolete:
            continue
        where = f"{name}: {entry.msgid[:70]!r}"
        if not entry.msgstr:
            out.append(f"{where}: untranslated")
        elif "fuzzy" in entry.flags:
            out.append(
                f"{where}: fuzzy (the English changed; update the Chinese, "
                "then remove the fuzzy flag)"
            )
        elif markup(entry.msgid, localize=True) != markup(entry.msgstr):
            want, got = markup(entry.msgid, localize=True), markup(entry.msgstr)
            missing = [m for m in want if m not in got]
            extra = [m for m in got if m not in want]
            out.append(
                f"{where}: markup changed (missing {missing}, "
                f"unexpected {extra})"
            )
        elif one_paragraph(entry.msgid) and not one_paragraph(entry.msgstr):
            out.append(
                f"{where}: the translation does not read as one paragraph "
                "(a blank line, a table or a code fence in it?): Sphinx would "
                "drop it and show the English"
            )
        elif emphasis(entry.msgid) != emphasis(entry.msgstr):
            out.append(
                f"{where}: bold/italic renders differently "
                f"({emphasis(entry.msgid)} in English, "
                f"{emphasis(entry.msgstr)} here): CommonMark does not close ** "
                "after punctuation followed by a Chinese character; put "
                "the punctuation outside: **练习 1**：..."
            )
    return out


def out_of_step() -> list[str]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        pot_dir = extract_pot(Path(tmp))
        pots = {
            p.relative_to(pot_dir).with_suffix(""): p
            for p in pot_dir.rglob("*.pot")
        }
        pos = {
            p.relative_to(PO_DIR).with_suffix(""): p
            for p in PO_DIR.rglob("*.po")
        }
        for page in sorted(set(pots) | set(pos)):
            if page not in pos:
                out.append(f"{page}: no catalog (run scripts/i18n.py extract)")
                continue
            if page not in pots:
                out.append(f"{page}: catalog of a page that is not in the book")
                continue
            want = {e.msgid for e in polib.pofile(str(pots[page])) if e.msgid}
            have = {
                e.msgid for e in polib.pofile(str(pos[page])) if not e.obsolete
            }
            for msgid in sorted(want - have):
                out.append(
                    f"{page}: new English text not in the catalog: "
                    f"{msgid[:70]!r}"
                )
            for msgid in sorted(have - want):
                out.append(
                    f"{page}: catalog message no longer in the English: "
                    f"{msgid[:70]!r}"
                )
    return out


def cmd_check(args) -> int:
    files = [Path(f).resolve() for f in args.files] or sorted(
        PO_DIR.rglob("*.po")
    )
    found = [p for f in files for p in problems_in(f)]
    if not args.files:
        found += [f"out of step: {p}" for p in out_of_step()]
    for line in found:
        print(line)
    print(f"{len(found)} problem(s) in {len(files)} catalog(s)")
    return 1 if found else 0


def glossary_terms() -> list[str]:
    terms = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if (
            len(cells) != 4 or cells[1] == "中文"
        ):  # not a term, or the header row
            continue
        for cell in cells[1:3]:
            # jieba's dictionary format is "word frequency tag": no spaces in a
            # word.
            terms += [
                t.strip()
                for t in re.split(r"[、/]", cell)
                if re.search(r"[\u4e00-\u9fff]", t) and " " not in t.strip()
            ]
    return sorted(set(terms))


def write_or_check(path: Path, text: str, check: bool) -> bool:
    """Write text to path; with check, only report whether it would change."""
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old == text:
        return True
    if check:
        print(
            f"{path.relative_to(ROOT)} is stale: run scripts/i18n.py notebooks"
        )
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    return True


def jieba_dictionary() -> str:
    # One word per line with a high frequency, so that jieba keeps each term
    # whole.
    return "".join(f"{term} 100000 n\n" for term in glossary_terms())


def chinese_toc() -> str:
    # sphinx-external-toc adds the part captions after Sphinx's locale
    # transform, so the
    # Chinese build reads a table of contents whose captions are already
    # translated.
    translations = {
        e.msgid: e.msgstr
        for e in polib.pofile(str(PO_DIR / "intro.po"))
        if e.msgstr and "fuzzy" not in e.flags
    }
    lines = []
    for line in (ROOT / "_toc.yml").read_text(encoding="utf-8").splitlines():
        m = re.match(r"(\s*- caption: )(.*)$", line)
        if m:
            line = m.group(1) + translations.get(m.group(2), m.group(2))
        lines.append(line)
    return "\n".join(lines) + "\n"


def merged(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = (
            merged(out.get(key) or {}, value)
            if isinstance(value, dict)
            else value
        )
    return out


def book_config() -> dict:
    """_config.yml as a dict that works from another folder."""
    import yaml  # noqa: PLC0415

    base = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    # Jupyter Book finds local extensions relative to the configuration file.
    extensions = base["sphinx"].get("local_extensions", {})
    for name, folder in extensions.items():
        extensions[name] = str((ROOT / folder).resolve()) + "/"
    return base


def chinese_config(dictionary: Path) -> str:
    """The English _config.yml plus what the catalogs cannot translate."""
    import yaml  # noqa: PLC0415

    base = book_config()
    extra = {
        "title": "Keras 3 实战",
        "author": "Keras 课程书作者团队",
        "sphinx": {
            "config": {
                "language": LANG,
                # Sphinx segments Chinese for search with jieba; glossary terms
                # stay whole.
                "html_search_options": {"dict": str(dictionary.resolve())},
                "togglebutton_hint": "点击显示",
                "togglebutton_hint_hide": "点击隐藏",
            }
        },
    }
    return yaml.safe_dump(
        merged(base, extra), allow_unicode=True, sort_keys=False
    )


def cmd_build_files(args) -> int:
    """Write the Chinese build's _config.yml, _toc.yml and search dictionary."""
    out = Path(args.folder)
    out.mkdir(parents=True, exist_ok=True)
    note = "# Written by scripts/i18n.py build-files; do not edit.\n"
    (out / "jieba_dict.txt").write_text(jieba_dictionary(), encoding="utf-8")
    (out / "_toc.yml").write_text(note + chinese_toc(), encoding="utf-8")
    (out / "_config.yml").write_text(
        note + chinese_config(out / "jieba_dict.txt"), encoding="utf-8"
    )
    return 0


def cmd_notebooks(args) -> int:
    from i18n_notebooks import translate_notebook  # noqa: PLC0415

    ok = True
    english = {p.name for p in (ROOT / "chapters").glob("*.ipynb")}
    for orphan in sorted((NOTEBOOK_DIR / "chapters").glob("*.ipynb")):
        if orphan.name not in english:  # its English chapter was removed
            print(f"{orphan.relative_to(ROOT)} has no English chapter")
            if not args.check:
                orphan.unlink()
            ok = False if args.check else ok
    for source in sorted((ROOT / "chapters").glob("*.ipynb")):
        po_path = PO_DIR / "chapters" / (source.stem + ".po")
        if not po_path.exists():
            print(
                f"{po_path.relative_to(ROOT)} is missing: "
                "run scripts/i18n.py extract"
            )
            ok = False
            continue
        text, english_left = translate_notebook(source, po_path)
        for block in english_left:
            print(f"{source.name}: still English: {block[:70]!r}")
        ok &= write_or_check(
            NOTEBOOK_DIR / "chapters" / source.name, text, args.check
        )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract").set_defaults(func=cmd_extract)
    check = sub.add_parser("check")
    check.add_argument(
        "files", nargs="*", help="only these .po files (no step check)"
    )
    check.set_defaults(func=cmd_check)
    notebooks = sub.add_parser("notebooks")
    notebooks.add_argument("--check", action="store_true")
    notebooks.set_defaults(func=cmd_notebooks)
    files = sub.add_parser("build-files")
    files.add_argument("folder")
    files.set_defaults(func=cmd_build_files)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
