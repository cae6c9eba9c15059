"""imagesmith: correct, reviewable, buildable image requests for a shared GPU cluster."""

__version__ = "0.1.0"
