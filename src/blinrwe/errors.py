"""User errors versus bugs.

A :class:`UserError` is something the person running blinrwe can fix (a bad
file, a bad setting). The CLI prints it without a traceback and exits with
its ``exit_code``. Anything else is a bug and is allowed to show a traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """An error the user can fix; printed without a traceback."""

    exit_code = 2


class InputDataError(UserError):
    """Input data failed validation; ``findings`` holds every finding."""

    exit_code = 3

    def __init__(self, message: str, findings=()):
        super().__init__(message)
        self.findings = list(findings)


class SpecificationError(UserError):
    """The study specification file is invalid."""

    exit_code = 4


class StatisticalInputError(UserError, ValueError):
    """Arguments to a statistical function are invalid (wrong lengths, negative times...)."""

    exit_code = 2
