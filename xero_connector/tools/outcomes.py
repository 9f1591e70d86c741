"""What happened to a job of the sync queue, as a synced model reports it.

The hooks of the synced models (preparing a push, sending it, applying a fetch)
return ``{job id: outcome}``; only the queue turns outcomes into job states
(``xero.sync.job._xero_settle``), so every state change of a job is read in one
place.
"""

from dataclasses import dataclass, replace


@dataclass(frozen=True, eq=False)
class Send:
    """To be sent in this batch: a ``create`` or an ``update`` of ``payload`` (None: the
    payload the job already holds, resent as it was)."""

    operation: str
    payload: dict | None = None
    xero_id: str | None = None


@dataclass(frozen=True, eq=False)
class Done:
    """Finished: with why nothing was sent or what Xero warned (``result``), the Xero id,
    and the values it overwrote in Xero (``changes``: {"old": {}, "new": {}})."""

    result: str | None = None
    xero_id: str | None = None
    changes: dict | None = None


@dataclass(frozen=True, eq=False)
class Refused:
    """Failed for good with a plain ``reason``, Xero's own words and the Odoo field to
    fix; ``failure`` is the job's failure type."""

    reason: str
    messages: tuple = ()
    field: str | None = None
    failure: str = "validation"


@dataclass(frozen=True, eq=False)
class Later:
    """Not now: tried again after ``seconds``, without counting a failure."""

    reason: str
    seconds: int = 10


@dataclass(frozen=True, eq=False)
class Review:
    """Nothing to send until a person decides (the record waits in a review list)."""

    reason: str


@dataclass(frozen=True, eq=False)
class Failed:
    """The request carrying the job failed as a whole (a ``XeroError``): waited for,
    retried or given up according to the error."""

    error: Exception


def each(jobs, outcome):
    """The same outcome for every job of ``jobs``."""
    return dict.fromkeys(jobs.ids, outcome)


def caught(outcome):
    """``outcome``, a refusal found in Odoo before any call marked as such (not Xero's)."""
    if isinstance(outcome, Refused) and outcome.failure == "validation":
        return replace(outcome, failure="caught")
    return outcome
