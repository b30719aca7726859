"""What every report figure shares: colours, sizes, the time axis, and SVG/PNG output.

Figures are plain ``matplotlib.figure.Figure`` objects rendered by the Agg (PNG) and SVG
canvases: no pyplot, no GUI backend, no global state, so reports work on headless machines and
inside notebooks without touching the notebook's own plotting setup.
"""

from __future__ import annotations

import base64
import functools
import io
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from processing.alerts import Severity
from processing.report.formatting import TimeAxis

# Okabe-Ito colours: told apart by colour-blind readers, and in grey print.
TRUNK = "#000000"
LEFT = "#0072B2"
RIGHT = "#D55E00"
FLEXION_DIFF = "#CC79A7"
LATERAL_DIFF = "#009E73"
ZONE_MID = "#F0E442"
ZONE_HIGH = "#D55E00"
MOVING = "#009E73"
BREAK = "#56B4E9"
NO_DATA = "#999999"
WARNING = "#E69F00"
CRITICAL = "#B00020"
SEVERITY_COLOURS = {Severity.WARNING: WARNING, Severity.CRITICAL: CRITICAL}

FIG_WIDTH_IN = 10.0
# Time plots share these margins (figure fractions) so their time axes line up on the page.
TIME_MARGINS = dict(left=0.075, right=0.985)
PNG_DPI = 150
# Most points one plotted line keeps (min/max envelope); ~3 per pixel column of a wide screen.
MAX_LINE_POINTS = 3000

_RC = {
    "font.size": 8.5,
    "axes.titlesize": 9.5,
    "axes.labelsize": 8.5,
    "legend.fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "backmon",  # stable element ids: the same session gives the same file
    "svg.fonttype": "path",  # text as shapes: the figure looks the same without the font
}


def styled(fn):
    """Run a figure-building function inside backmon's rc settings (artists read them when made)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(_RC):
            return fn(*args, **kwargs)
    return wrapper


def format_time_axis(ax, axis: TimeAxis, lo_x: float, hi_x: float, *, label: bool = True,
                     max_ticks: int = 8) -> None:
    """Round clock-time ticks between ``lo_x`` and ``hi_x`` (plot x, s) with readable labels."""
    ax.set_xlim(lo_x, hi_x)
    ax.xaxis.set_major_locator(FixedLocator(axis.ticks(lo_x, hi_x, max_ticks=max_ticks)))
    seconds = axis.wants_seconds(lo_x, hi_x, max_ticks=max_ticks)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: axis.label(x + axis.x0_s, seconds=seconds)))
    if label:
        ax.set_xlabel(axis.name)


def svg_data_uri(fig: Figure) -> str:
    """The figure as an SVG ``data:`` URI (an ``<img>`` source: no scripts, no clashing ids)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def save_png(fig: Figure, path: Path, *, dpi: int = PNG_DPI, inputs=()) -> Path:
    """Write the figure as a PNG (``--figures``), whole and owner-only (sensors.outputs), and
    return its path."""
    from sensors.outputs import write_whole

    with matplotlib.rc_context(_RC), write_whole(path, binary=True, inputs=inputs) as handle:
        fig.savefig(handle, format="png", dpi=dpi, metadata={"Software": "backmon"})
    return path


def message(ax, text: str) -> None:
    """A figure with nothing to plot says why, in the middle of the axes."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
