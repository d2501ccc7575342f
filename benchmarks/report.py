"""The benchmark table: printed, and written to benchmarks/results.json."""
from __future__ import annotations

import json
import platform
import os
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def judge(rows: list[dict]) -> list[dict]:
    """Every row with a target says whether it meets it (lower is better for every figure)."""
    for r in rows:
        if r.get("target") is not None:
            r["meets_target"] = r["value"] <= r["target"]
    return rows


def print_table(rows: list[dict]) -> None:
    width = max(len(r["figure"]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>10}  unit  target  ok   detail")
    for r in rows:
        target = "" if r.get("target") is None else f"{r['target']:g}"
        ok = "" if "meets_target" not in r else ("yes" if r["meets_target"] else "NO")
        spread = f" [{r['spread'][0]:g}..{r['spread'][1]:g}]" if r.get("spread") else ""
        print(f"{r['figure']:<{width}}  {r['value']:>10.4g}  {r['unit']:<4}  {target:>6}  {ok:<3}  "
              f"{r.get('detail', '')}{spread}")


def write(rows: list[dict]) -> None:
    RESULTS.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1) + "\n")


def markdown(results: dict) -> str:
    """The table of a results.json as Markdown, for the README's Performance section."""
    lines = [f"Machine: {results['machine']}.", "",
             "| figure | value | target | met |", "| --- | ---: | ---: | :---: |"]
    for r in results["rows"]:
        target = "" if r.get("target") is None else f"{r['target']:g} {r['unit']}"
        met = "" if "meets_target" not in r else ("yes" if r["meets_target"] else "**no**")
        spread = f" ({r['spread'][0]:.3g} to {r['spread'][1]:.3g})" if r.get("spread") else ""
        lines.append(f"| {r['figure']} | {r['value']:.3g} {r['unit']}{spread} | {target} | {met} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m benchmarks.report: the last results as Markdown
    print(markdown(json.loads(RESULTS.read_text())))
