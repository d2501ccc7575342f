"""``gmmkit grade ... --html report.html``: the same feedback as one self-contained HTML page,
for a student or a TA working outside Gradescope."""
from __future__ import annotations

import html
from pathlib import Path

from .results import Report
from .sanitize import clean

MAX_CHECK_TEXT = 4000      # characters of one check's message on the page
MAX_NOTES = 40             # notes listed (a notebook with thousands of failing cells)
MAX_PAGE_TEXT = 400_000    # characters of messages on the whole page, figures aside
MAX_FIGURE = 200_000       # characters of one figure (base64 PNG)
FIGURE_BUDGET = 4_000_000  # characters of all the figures together


def _figures_kept(results) -> list[bool]:
    kept, used = [], 0
    for r in results:
        keep = bool(r.figure) and len(r.figure) <= MAX_FIGURE and used + len(r.figure) <= FIGURE_BUDGET
        used += len(r.figure) if keep else 0
        kept.append(keep)
    return kept

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em;
       color: #222; }
h1 { font-size: 1.4em; margin-bottom: .3em; } .score { font-size: 1.2em; margin-bottom: .4em; }
.legend { color: #555; font-size: .9em; margin-bottom: 1em; }
/* darker than the figures' own colours, so that a test can tell a drawn figure from this text */
.legend .yours { color: #b0191f; font-weight: 600; } .legend .expected { color: #165a8a; font-weight: 600; }
.check { border: 1px solid #ddd; border-radius: 6px; padding: .5em 1em; margin: .6em 0; }
.passed { border-left: 6px solid #2ca02c; } .failed { border-left: 6px solid #d62728; }
.head { display: flex; align-items: baseline; gap: 1em; }
.name { font-weight: 600; flex: 1; } .pts { color: #555; white-space: nowrap; }
.hidden-tag { color: #777; font-size: .85em; font-weight: normal; }
pre { white-space: pre-wrap; background: #f7f7f7; padding: .6em; border-radius: 4px;
      font-size: .85em; }
img.figure { display: block; max-width: 100%; margin: .4em 0 .2em; }
.notes { background: #fff8e1; padding: .6em 1em; border-radius: 6px; }
"""


def render(report: Report) -> str:
    def esc(text, limit=MAX_CHECK_TEXT):
        return html.escape(clean(text, limit))

    budget = [MAX_PAGE_TEXT]

    def within_budget(text: str) -> str:
        text = clean(text, MAX_CHECK_TEXT)
        if len(text) > budget[0]:
            text = text[:max(budget[0], 0)] + " ... (left out: the page is long enough)"
        budget[0] -= len(text)
        return text

    passed = sum(r.passed for r in report.results)
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>{esc(report.assignment)}: feedback</title><style>{STYLE}</style></head><body>",
             f"<h1>{esc(report.assignment)}: feedback</h1>",
             f"<div class='score' id='score'>Score: {report.score:g} / {report.max_score:g}"
             f" <span class='hidden-tag'>({passed} of {len(report.results)} checks passed)"
             "</span></div>"]
    if any(r.figure for r in report.results):
        parts.append("<div class='legend'>In the figures, <span class='yours'>red: your "
                     "result</span> (solid lines, histograms, frames titled \u201cyours\u201d); "
                     "<span class='expected'>blue, dashed: the expected one</span>. They are "
                     "drawn by the grader from the values your functions returned.</div>")
    if report.notes:
        notes = [within_budget(n) for n in report.notes[:MAX_NOTES]]
        if len(report.notes) > MAX_NOTES:
            notes.append(f"... and {len(report.notes) - MAX_NOTES} more notes")
        parts.append("<div class='notes'>" + "".join(f"<p>{html.escape(n)}</p>" for n in notes)
                     + "</div>")
    for r, keep_figure in zip(report.results, _figures_kept(report.results)):
        tag = " <span class='hidden-tag'>(hidden check)</span>" if r.hidden else ""
        parts.append(f"<div class='check {r.status}'><div class='head'>"
                     f"<span class='name'>{esc(r.name)}{tag}</span>"
                     f"<span class='pts'>{r.score:g} / {r.max_score:g}</span></div>")
        if r.output:
            parts.append(f"<pre>{html.escape(within_budget(r.output))}</pre>")
        if r.figure and keep_figure:
            parts.append(f"<img class='figure' alt='your result next to the expected one' "
                         f"src='data:image/png;base64,{r.figure}'/>")
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write(report: Report, path: Path) -> None:
    Path(path).write_text(render(report), encoding="utf-8")
