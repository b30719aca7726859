"""Argument types and options shared by commands."""

from __future__ import annotations

import argparse


def time_span(text: str) -> tuple[float, float]:
    """``START:END`` (or ``START-END``) seconds, for argparse."""
    from sensors.session.files import parse_time_span

    try:
        return parse_time_span(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_analysis_options(p: argparse.ArgumentParser) -> None:
    """Options that change the analysis itself (``analyze`` and ``report``)."""
    p.add_argument("--config", metavar="FILE", help="TOML file overriding thresholds and settings")
    p.add_argument("--calibrate", metavar="START:END", type=time_span,
                   help="calibration window in seconds on the file's time axis (overrides the file's)")
    p.add_argument("--sensitivity", choices=("gentle", "standard", "strict"), default="standard",
                   help="alert presets as in 'backmon monitor' (a recording notes its own: '# sensitivity:'); "
                        "--config still overrides single settings")
    p.add_argument("--swap-sides", action="store_true",
                   help="exchange left and right (sensors worn on the wrong sides; the analysis says when it "
                        "sees this)")


def analysis_settings(args):
    """The settings ``add_analysis_options`` asked for: the sensitivity preset, then --config."""
    from processing import Settings, load_settings
    from processing.sensitivity import with_sensitivity

    return load_settings(args.config, base=with_sensitivity(Settings(), args.sensitivity))
