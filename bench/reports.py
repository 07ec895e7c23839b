"""Render the demo organisation's FY2026 roadmap PDF (three years of history), warm.

Usage:
    DEBUG=1 .venv/bin/python bench/reports.py                 # SQLite (a temporary file)
    DEBUG=1 .venv/bin/python bench/reports.py --renders 50    # a shorter memory run

Reports, on the production path (build_roadmap_document → roadmap_html → html_to_pdf):
- the median of several warm renders, split into document, HTML and PDF (target ≤ 1.0 s);
- the same HTML printed by headless Chromium (`--print-to-pdf`), each print alternating with a render, and
  the ratio (of the medians, and the median of the side-by-side pairs);
- the resident memory after a warm-up and after N consecutive renders (target growth ≤ 1.2×).
The demo data is set up by `seed_demo` (not measured).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from demo import demo_roadmap_assessment
from pypdf import PdfReader

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
]


def rss_mib() -> float:
    """The process's resident set size now (not its peak), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed warm renders")
    parser.add_argument("--chromium-runs", type=int, default=7, help="Chromium prints, alternating with renders")
    parser.add_argument("--renders", type=int, default=200, help="consecutive renders for the memory check")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    assessment = demo_roadmap_assessment(tmp.name)
    from reports.document import build_roadmap_document, roadmap_html
    from reports.pdf import BASE_URL, STYLESHEET, html_to_pdf

    def render() -> tuple[float, float, float, str, bytes]:
        start = time.perf_counter()
        document = build_roadmap_document(assessment)
        built = time.perf_counter()
        html = roadmap_html(document)
        laid_out = time.perf_counter()
        pdf = html_to_pdf(html)
        return built - start, laid_out - built, time.perf_counter() - laid_out, html, pdf

    for _ in range(2):  # warm: imports, fonts, template and rubric caches
        render()
    html = render()[3]

    chromium_found = os.access(args.chromium, os.X_OK)
    page = Path(tmp.name) / "roadmap.html"
    # The same HTML with the print stylesheet WeasyPrint applies, linked for the browser.
    page.write_text(
        html.replace("<head>", f'<head><base href="{BASE_URL}"><link rel="stylesheet" href="{STYLESHEET}">', 1)
    )
    out = Path(tmp.name) / "chromium.pdf"

    def print_with_chromium() -> float:
        start = time.perf_counter()
        subprocess.run(
            [args.chromium, *CHROMIUM_ARGS, f"--print-to-pdf={out}", page.as_uri()],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return time.perf_counter() - start

    # WeasyPrint and Chromium take turns, so that both see the machine in the same state: on a
    # shared machine the speed drifts from minute to minute, and the ratio of each pair drifts less.
    timings, chromium = [], []
    for run in range(args.runs):
        timings.append(render())
        if chromium_found and run < args.chromium_runs:
            chromium.append(print_with_chromium())
    totals = [a + b + c for a, b, c, _, _ in timings]
    pdf = timings[-1][4]
    median = statistics.median(totals)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"Demo FY2026 roadmap: {len(pdf):,} bytes, {pages} pages")
    print(
        f"WeasyPrint render, warm, median of {args.runs}: {median:.3f} s "
        f"(document {statistics.median(t[0] for t in timings):.3f} s, "
        f"HTML {statistics.median(t[1] for t in timings):.3f} s, "
        f"PDF {statistics.median(t[2] for t in timings):.3f} s) "
        f"{'target ≤ 1.0 s met' if median <= 1.0 else 'TARGET ≤ 1.0 s MISSED'}"
    )
    if chromium:
        ratios = [weasyprint / browser for weasyprint, browser in zip(totals, chromium, strict=False)]
        print(
            f"Chromium --print-to-pdf of the same HTML, median of {len(chromium)} (browser start included): "
            f"{statistics.median(chromium):.3f} s; WeasyPrint ÷ Chromium = {median / statistics.median(chromium):.2f} "
            f"(median of the {len(ratios)} side-by-side pairs: {statistics.median(ratios):.2f})"
        )
    else:
        print(f"Chromium not found at {args.chromium}: no comparison (apt-get install chromium)")

    before = rss_mib()
    start = time.perf_counter()
    for _ in range(args.renders):
        render()
    after = rss_mib()
    growth = after / before
    print(
        f"Memory over {args.renders} consecutive renders ({time.perf_counter() - start:.0f} s): "
        f"RSS {before:.0f} MiB → {after:.0f} MiB, growth {growth:.2f}× "
        f"{'target ≤ 1.2× met' if growth <= 1.2 else 'TARGET ≤ 1.2× MISSED'}"
    )


if __name__ == "__main__":
    main()
