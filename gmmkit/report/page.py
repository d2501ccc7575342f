"""``report.html``: the class report as one self-contained page (figures embedded as PNG).

Every name on the page (students' folder names, check names, hints) is escaped: a downloaded
results tree is not trusted to be HTML-safe.
"""
from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PUBLIC, HIDDEN = "#1f77b4", "#ff7f0e"


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def score_histogram(scores: dict) -> str:
    fig, ax = plt.subplots(figsize=(6, 2.8))
    edges, counts = scores["bins"], scores["counts"]
    if counts:
        ax.bar(edges[:-1], counts, width=[b - a for a, b in zip(edges, edges[1:])], align="edge",
               color=PUBLIC, edgecolor="white")
        ax.axvline(scores["median"], color="black", ls="--", lw=1, label=f"median {scores['median']:g}")
        ax.legend(frameon=False)
    ax.set_xlabel(f"autograded score (of {scores['max_possible']:g})")
    ax.set_ylabel("students")
    ax.set_title("Scores")
    return _png(fig)


def pass_rates(checks: list[dict]) -> str:
    height = max(2.0, 0.32 * len(checks) + 0.8)
    fig, ax = plt.subplots(figsize=(8, height))
    names = [c["name"] if len(c["name"]) <= 70 else c["name"][:67] + "..." for c in checks]
    rates = [100 * c["pass_rate"] for c in checks]
    colours = [HIDDEN if c["visibility"] != "visible" else PUBLIC for c in checks]
    ys = range(len(checks))[::-1]
    ax.barh(list(ys), rates, color=colours)
    ax.set_yticks(list(ys), names, fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("students passing (%)")
    ax.set_title("Pass rate per check (blue: public, orange: hidden)")
    return _png(fig)


def render(data: dict) -> str:
    e = html.escape
    s = data["scores"]
    rows = "".join(
        f"<tr><td>{e(c['name'])}</td><td>{'public' if c['visibility'] == 'visible' else 'hidden'}</td>"
        f"<td>{c['passed']} / {c['graded']}</td><td>{100 * c['pass_rate']:.0f}%</td></tr>"
        for c in data["checks"])
    bugs = "".join(
        f"<tr><td>{b['count']}</td><td><code>{e(b['id'])}</code></td><td>{e(b['description'])}</td>"
        f"<td>{e(b['hint'])}</td></tr>" for b in data["bugs"]) or \
        "<tr><td colspan=4>No classic bug was diagnosed.</td></tr>"
    together = "".join(
        f"<li>{e(p['checks'][0])} <b>&amp;</b> {e(p['checks'][1])}: {p['both']} students "
        f"(overlap {p['jaccard']:.2f})</li>" for p in data["failing_together"]) or \
        "<li>No two checks fail together for more than one student.</li>"
    look = "".join(f"<li><b>{e(x['student'])}</b> ({x['score']:g}): {e('; '.join(x['reasons']))}</li>"
                   for x in data["needs_a_look"]) or "<li>Nobody: every submission was graded normally.</li>"
    unfair = [c for c in data["checks"] if c["graded"] and c["passed"] == 0]
    unfair_html = ("<p class=warn>Checks that no student passed (a check everyone fails may be "
                   "unfair, or the topic needs re-teaching): "
                   + ", ".join(e(c["name"]) for c in unfair) + "</p>") if unfair else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class report: {e(data['assignment'])}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9rem; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }}
.warn {{ background: #fff4e5; padding: 0.5rem; border-left: 4px solid {HIDDEN}; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>Class report: {e(data['assignment'])}</h1>
<p>{data['submissions']} submissions. Median {s['median']:g}, quartiles {s['q1']:g} to {s['q3']:g},
mean {s['mean']:.2f}, best {s['max']:g} of {s['max_possible']:g}.</p>
<img alt="score histogram" src="data:image/png;base64,{score_histogram(s)}">
<h2>Pass rate per check</h2>{unfair_html}
<img alt="pass rate per check" src="data:image/png;base64,{pass_rates(data['checks'])}">
<table><tr><th>check</th><th>visibility</th><th>passed</th><th>rate</th></tr>{rows}</table>
<h2>Classic bugs, by how many students made them</h2>
<table><tr><th>students</th><th>bug</th><th>what</th><th>hint</th></tr>{bugs}</table>
<h2>Checks that fail together</h2><ul>{together}</ul>
<h2>Submissions that need a look</h2><ul>{look}</ul>
</body></html>
"""
