"""imagesmith: correct, reviewable, buildable image requests for a shared GPU cluster."""

__version__ = "0.2.0"
