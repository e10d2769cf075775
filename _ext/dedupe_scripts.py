"""Drop exact duplicate <script> entries from each page.

Jupyter Book 1.x emits sphinx-thebe's inline configuration script twice on every page;
the second `const THEBE_JS_URL = ...` then throws "Identifier has already been declared"
in the browser console. Identical entries are redundant by definition, so keeping the
first of each is safe.
"""


def _dedupe(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        name = getattr(script, "filename", script) or ""  # the two copies differ only in None vs ""
        key = (str(name), tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
