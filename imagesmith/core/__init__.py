"""Core: errors, findings, profile and config models. Imports nothing above it."""
