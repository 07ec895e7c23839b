"""Count the CPU instructions of one warm render of the demo roadmap's HTML into a PDF (valgrind's callgrind).

Usage:
    DEBUG=1 .venv/bin/python bench/render_instructions.py            # about 3 minutes
    DEBUG=1 .venv/bin/python bench/render_instructions.py --html FILE  # an HTML file instead of the demo's

Wall-clock seconds on a shared machine drift by a third from one minute to the next; the number of
instructions a render executes does not (two runs agree within 0.2%), so this is the figure to compare
two versions of the rendering code with. Only `html_to_pdf` is counted: two renders warm the process
up uncounted, and callgrind counts the third. Needs valgrind (`apt-get install valgrind`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def demo_html(tmp: str) -> str:
    """The demo's Acme Robotics FY2026 roadmap HTML, the one bench/reports.py renders."""
    from demo import demo_roadmap_assessment

    assessment = demo_roadmap_assessment(tmp)
    from reports.document import build_roadmap_document, roadmap_html

    return roadmap_html(build_roadmap_document(assessment))


def count_render(html_file: Path) -> None:
    """Runs inside callgrind: warm up, then switch instrumentation on for exactly one render."""
    sys.path.insert(0, str(ROOT))
    from reports.pdf import html_to_pdf

    html = html_file.read_text()
    html_to_pdf(html)
    html_to_pdf(html)
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
    html_to_pdf(html)
    subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="render this HTML file instead of the demo roadmap")
    parser.add_argument("--count-render", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_render:
        count_render(args.count_render)
        return
    if not shutil.which("valgrind"):
        sys.exit("valgrind is not installed (apt-get install valgrind)")

    with tempfile.TemporaryDirectory() as tmp:
        html_file = args.html or Path(tmp) / "roadmap.html"
        if not args.html:
            html_file.write_text(demo_html(tmp))
        out = Path(tmp) / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--count-render",
                str(html_file),
            ],
            check=True,
            capture_output=True,
        )
        totals = next(line for line in out.read_text().splitlines() if line.startswith("totals:"))
        instructions = int(totals.split()[1])
        size = html_file.stat().st_size
        print(f"One warm render of {html_file.name} ({size:,} bytes of HTML): {instructions:,} instructions")


if __name__ == "__main__":
    main()
