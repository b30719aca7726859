"""Regenerate examples/report.png, the README's screenshot of a session report.

    python examples/make_report_screenshot.py

Analyses the shipped example session (examples/example_session.csv), writes its report to a
temporary folder, opens it in headless Chromium (Debian: ``apt-get install chromium``) and saves
the top of the page, where the summary and the timeline are, as a PNG.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from processing import analyze_session
from processing.report.html import write_report
from sensors.session.files import read_session
from tests.support.browser import Viewport, check_page, find_chromium

HERE = Path(__file__).resolve().parent
SESSION = "examples/example_session.csv"  # from the repository's root, as the README's commands run
OUT = HERE / "report.png"
# Wide enough for the desktop layout, tall enough to reach the timeline figure.
VIEW = Viewport(width_px=1100, height_px=1500)


def main() -> int:
    if find_chromium() is None:
        print("no Chromium found: install the 'chromium' package (or set BACKMON_CHROMIUM)", file=sys.stderr)
        return 1
    os.chdir(HERE.parent)  # the report names its session file: relative, no local paths in the picture
    session = read_session(SESSION)
    result = analyze_session(session)
    with tempfile.TemporaryDirectory() as tmp:
        report = write_report(result, Path(tmp) / "report.html", marks=session.marks).html
        [page] = check_page(report, (VIEW,))
    if page.errors:
        print("the report loaded with errors:\n  " + "\n  ".join(page.errors), file=sys.stderr)
        return 1
    OUT.write_bytes(page.screenshot_png)
    print(f"wrote {OUT.relative_to(HERE.parent)} ({len(page.screenshot_png) / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
