"""Domain errors: raised by services, shown by the UI and the CLI as one clear message."""

from __future__ import annotations

from dataclasses import dataclass

from engagement.i18n import _, format_number, ngettext


class VirageError(Exception):
    """Base class: its message is already translated and says what to fix."""


class ConfigurationError(VirageError):
    """A setting is missing or unsafe."""


class NotAllowed(VirageError):
    """The actor lacks the role or the scope for this action."""


class NotFound(VirageError):
    """The thing asked for does not exist."""


class InvalidInput(VirageError):
    """The input cannot be accepted as given."""


class AlreadyRunning(VirageError):
    """The same maintenance job (a demo build, an import) is running on this database."""

    def __init__(self, job: str) -> None:
        self.job = job
        super().__init__(
            _(
                "Another {job} is running on this database: wait until it ends, then try again."
            ).format(job=job or _("maintenance job"))
        )


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One thing wrong in an imported file and how to fix it.

    `line` is the 1-based line of the file (the header is line 1), `column` the header of
    the column at fault ("" when the whole row or file is), `message` what is wrong and what
    to change.
    """

    line: int
    column: str
    message: str


class ImportRejected(InvalidInput):
    """A file with problems: nothing was imported. `.problems` lists every one of them."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(
            ngettext(
                "Nothing was imported: {count} problem.",
                "Nothing was imported: {count} problems.",
                count,
            ).format(count=format_number(count))
        )
