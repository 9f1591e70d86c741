"""One small exception family for everything that can go wrong talking to Xero.

Each carries a plain explanation (``message``) that is safe to show and log: it
never contains a token or a secret.
"""


class XeroError(Exception):
    """Xero refused or could not answer; ``retryable`` says whether trying later may help.

    ``headers`` and ``duration_ms`` describe the answer, when there was one."""

    retryable = False

    def __init__(self, message, status=None, correlation_id=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.correlation_id = correlation_id
        self.headers = {}
        self.duration_ms = 0


class XeroAuthError(XeroError):
    """The connection must be re-authorised (or was never connected): no retry helps."""


class XeroRateLimitError(XeroError):
    """Xero's rate limit: come back after ``retry_after`` seconds."""

    retryable = True

    def __init__(self, message, retry_after, problem=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.problem = problem


class XeroValidationError(XeroError):
    """Xero refused the data; ``elements`` holds each refused element's messages."""

    def __init__(self, message, elements=(), **kwargs):
        super().__init__(message, **kwargs)
        self.elements = list(elements)  # [{"index": int, "element": dict, "messages": [str]}]


class XeroNotFoundError(XeroError):
    """The record does not exist in Xero (any more)."""


class XeroUnavailableError(XeroError):
    """Xero answered 5xx or is down for maintenance."""

    retryable = True


class XeroNetworkError(XeroError):
    """No answer: a timeout or a connection failure (the request may or may not have arrived)."""

    retryable = True
