"""The one place that maps the error hierarchy to process exit codes."""

from __future__ import annotations

from enum import IntEnum

from imagesmith.core import errors


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # findings at/above the threshold, failed checks, failed build
    INPUT = 2  # usage or input error
    INTERNAL = 3  # a bug: short message plus crash log
    INTERRUPTED = 130  # Ctrl-C


def exit_code_for(exc: BaseException) -> ExitCode:
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(exc, errors.CheckFailed):
        return ExitCode.FINDINGS
    if isinstance(exc, errors.UserInputError):
        # Includes EngineUnavailable and EngineRefused (an unknown image or container, a
        # Dockerfile the builder rejects, a registry that refuses or cannot be reached).
        return ExitCode.INPUT
    if isinstance(exc, errors.EngineError):
        # The engine failed on its own: exit 3 with a crash log carrying the engine's version.
        return ExitCode.INTERNAL
    if isinstance(exc, (OSError, UnicodeDecodeError)):
        # Unreadable/unwritable paths and non-UTF-8 files that escaped a service: input errors.
        return ExitCode.INPUT
    return ExitCode.INTERNAL
