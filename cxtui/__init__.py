"""cxtui: a shared customer-alignment scorecard in the terminal."""

__version__ = "0.1.0"
