"""The lint engine: what to lint (discovery), with which settings, one runner for Dockerfiles
and job scripts, one suppression path, hadolint/ShellCheck glue. Services call `lint.api`."""
