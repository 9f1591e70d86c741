"""Failures the sandbox answers with, shaped as Xero shapes them."""


class ElementError(Exception):
    """One element of a request is invalid; ``messages`` are Xero's validation messages."""

    def __init__(self, *messages):
        super().__init__("; ".join(messages))
        self.messages = list(messages)


class HttpError(Exception):
    """A whole request fails with ``status`` and a ready-made JSON ``body``."""

    def __init__(self, status, body, headers=None):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}


class NotFound(HttpError):
    def __init__(self):
        # Xero answers an unknown id with a plain text body
        super().__init__(404, "The resource you're looking for cannot be found")
