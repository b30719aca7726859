"""The application layer: the ``backmon`` command, composing ``sensors`` and ``processing``."""

__version__ = "0.1.0"
