"""Rendering text from templates/ (Jinja2 with StrictUndefined)."""
