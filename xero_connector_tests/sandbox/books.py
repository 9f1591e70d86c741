"""One Xero organisation's books: its records, their history and the rules shared by all."""

from datetime import timedelta

from .banking import BankingMixin
from .common import new_id, text
from .contacts import ContactsMixin
from .documents import DocumentsMixin
from .errors import ElementError
from .items import ItemsMixin
from .payments import PaymentsMixin
from .repeating import RepeatingMixin
from .settings import SettingsMixin
from .stock import StockMixin
from .tracking import TrackingMixin


class Books(
    ContactsMixin,
    DocumentsMixin,
    PaymentsMixin,
    BankingMixin,
    RepeatingMixin,
    SettingsMixin,
    ItemsMixin,
    StockMixin,
    TrackingMixin,
):
    """The records of one organisation; the sandbox calls it under its lock."""

    new_id = staticmethod(new_id)
    text = staticmethod(text)

    def __init__(self, organisation, clock, notify=None):
        self.organisation = organisation
        self.clock = clock
        self.notify = notify or (lambda category, event, resource_id: None)
        self.contacts = {}
        self.items = {}
        self.tax_rates = {}
        self.accounts = {}
        self.currencies = {}
        self.branding_themes = {}
        self.tracking_categories = {}
        self.invoices = {}
        self.credit_notes = {}
        self.payments = {}
        self.bank_transactions = {}
        self.overpayments = {}
        self.prepayments = {}
        self.repeating_invoices = {}
        self.history = {}
        self.numbers = {"ACCREC": 0, "ACCRECCREDIT": 0}  # the last automatic number used
        self.touches = (
            0  # UpdatedDateUTC moves so far (a listing kept for the next pages checks it)
        )

    # ------------------------------------------------------------ bookkeeping

    def now(self):
        return self.clock.now()

    def today(self):
        return self.clock.today()

    def local_today(self):
        """Today in the organisation's timezone: the Date of a document sent without one."""
        return self.clock.today_in(self.organisation.get("Timezone"))

    def touch(self, record):
        """Bump ``UpdatedDateUTC`` to now, never backwards, to the millisecond."""
        now = self.now()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        previous = record.get("UpdatedDateUTC")
        if previous and now <= previous:
            now = previous + timedelta(milliseconds=1)
        record["UpdatedDateUTC"] = now
        self.touches += 1

    def log(self, record_id, changes, details, user):
        self.history.setdefault(record_id, []).append(
            {"Changes": changes, "DateUTC": self.now(), "User": user, "Details": details}
        )

    def history_of(self, record_id):
        return [dict(entry) for entry in self.history.get(record_id, [])]

    def add_note(self, record_id, details, user):
        if not isinstance(details, str) or not details.strip():
            raise ElementError("Details must be specified.")
        if len(details) > 2500:
            raise ElementError("Details must not be more than 2500 characters long.")
        self.log(record_id, "Note", details, user)
        return self.history[record_id][-1]
