"""Data files shipped in the package: profiles and knowledge tables (not code)."""
