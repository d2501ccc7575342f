"""``gmmkit grade ... --html report.html``: the same feedback as one self-contained HTML page,
for a student or a TA working outside Gradescope."""
from __future__ import annotations

import html
from pathlib import Path

from .results import Report

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; color: #222; }
h1 { font-size: 1.4em; } .score { font-size: 1.2em; margin-bottom: 1em; }
.check { border: 1px solid #ddd; border-radius: 6px; padding: .6em 1em; margin: .7em 0; }
.passed { border-left: 6px solid #2ca02c; } .failed { border-left: 6px solid #d62728; }
.name { font-weight: 600; } .pts { float: right; color: #555; } .hidden-tag { color: #777; font-size: .85em; }
pre { white-space: pre-wrap; background: #f7f7f7; padding: .6em; border-radius: 4px; }
.notes { background: #fff8e1; padding: .6em 1em; border-radius: 6px; }
"""


def render(report: Report) -> str:
    esc = html.escape
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>{esc(report.assignment)}: feedback</title><style>{STYLE}</style></head><body>",
             f"<h1>{esc(report.assignment)}: feedback</h1>",
             f"<div class='score' id='score'>Score: {report.score:g} / {report.max_score:g}</div>"]
    if report.notes:
        parts.append("<div class='notes'>" + "".join(f"<p>{esc(n)}</p>" for n in report.notes)
                     + "</div>")
    for r in report.results:
        tag = " <span class='hidden-tag'>(hidden check)</span>" if r.hidden else ""
        parts.append(f"<div class='check {r.status}'><span class='name'>{esc(r.name)}</span>{tag}"
                     f"<span class='pts'>{r.score:g} / {r.max_score:g}</span>")
        if r.output:
            parts.append(f"<pre>{esc(r.output)}</pre>")
        if r.figure:
            parts.append(f"<img class='figure' alt='your result next to the expected one' "
                         f"src='data:image/png;base64,{r.figure}'/>")
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write(report: Report, path: Path) -> None:
    Path(path).write_text(render(report), encoding="utf-8")
