"""Domain errors: raised by services, shown by the UI and the CLI as one clear message."""


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
