"""Lint report formats: text, SARIF 2.1.0, JUnit XML, GitHub workflow commands."""
