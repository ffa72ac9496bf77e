"""techfeed: one feed of every Korean tech company's engineering blog."""

__version__ = "0.1.0"
