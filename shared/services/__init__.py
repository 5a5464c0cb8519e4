"""Business logic: services validate, change data, flush and audit; callers commit."""


class ServiceError(Exception):
    """A user-facing refusal; ``str(err)`` is already translated for the current locale."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The object does not exist in the caller's scope."""
