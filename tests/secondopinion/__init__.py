"""Second opinion: cases from hadolint's and BuildKit's test suites."""
