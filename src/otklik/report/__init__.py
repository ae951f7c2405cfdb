"""The reaction report: compose a newsroom text from the digest, render it (Markdown, HTML, DOCX,
JSON), verify every quote and number, and write it only when verification passes.

    compose.compose(digest, lang, marker, translator) -> structured report (dict)
    render_md / render_html / render_docx .render(report)
    verify.verify_report(text, digest, comments) -> [Problem]
    service.write_report(conn, case, lang, fmt, path, ...) / service.check_report(conn, case, path)
    (the `otklik report` commands are cli/report.py)
"""
