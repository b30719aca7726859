"""Argument types shared by commands."""

from __future__ import annotations

import argparse


def time_span(text: str) -> tuple[float, float]:
    """``START:END`` (or ``START-END``) seconds, for argparse."""
    from sensors.session.files import parse_time_span

    try:
        return parse_time_span(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
