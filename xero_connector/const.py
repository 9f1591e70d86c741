"""Xero's fixed facts: where it lives, what the addon asks for, how the engine paces itself."""

XERO_URLS = {
    "authorize": "https://login.xero.com/identity/connect/authorize",
    "token": "https://identity.xero.com/connect/token",
    "revoke": "https://identity.xero.com/connect/revocation",
    "identity": "https://api.xero.com",
    "accounting": "https://api.xero.com/api.xro/2.0",
}
# where a user sees a Xero object
XERO_WEB_URLS = {
    "contact": "https://go.xero.com/Contacts/View/{id}",
    "invoice": "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={id}",
    # the repeating invoice's template (the address is Xero's web app's, not documented)
    "repeating_invoice": "https://go.xero.com/RepeatTransactions/Edit.aspx?invoiceID={id}",
}
# granular scopes (apps created since March 2026 must use them); Xero adds up scopes
# across consents, so asking for the same set again is harmless
SCOPES = (
    "offline_access",
    "accounting.contacts",
    "accounting.settings",
    "accounting.invoices",
    "accounting.payments",
    # the Executive Summary report (burn and runway): the granular scope of that report
    # (the broad accounting.reports.read is refused to apps created since March 2026)
    "accounting.reports.executivesummary.read",
)
# a token holding one of these may read the Executive Summary (older apps' broad scope too)
REPORT_SCOPES = ("accounting.reports.executivesummary.read", "accounting.reports.read")
# a Custom Connection is granted its scopes in Xero's developer portal, and asking for one
# it was not granted fails the whole token: it asks for the sync's scopes only (burn and
# runway say the report's scope is missing)
CUSTOM_CONNECTION_SCOPES = tuple(scope for scope in SCOPES[1:] if scope not in REPORT_SCOPES)
# seconds before expiry when an access token is renewed
TOKEN_MARGIN = 120
# (connect, read) seconds for every HTTP call to Xero
TIMEOUT = (5, 30)
# how long the signed OAuth state of a Connect click stays valid
STATE_MINUTES = 15


# ---------------------------------------------------------------- the sync engine

# elements per PUT/POST and ids per GET (Xero recommends about 50; ~52 GUIDs fit in IDs=)
BATCH_SIZE = 50
# records per page of a poll (Xero's largest pageSize)
PAGE_SIZE = 1000
# seconds to wait after the 1st, 2nd... transient failure of a job; then it is an error
RETRY_SCHEDULE = (30, 120, 600, 1800, 7200, 21600)
# seconds after which a job "processing" that no worker holds was left by a dead worker
# (a live worker holds its batch's rows from the moment it marked them until Xero's answer
# is recorded, bar the instant between the two transactions)
DEAD_AFTER = 30
# Xero's limits per organisation and app (the daily one is 1,000 on the Starter tier)
MINUTE_LIMIT = 60
DAY_LIMIT = 5000
# share of the daily calls each purpose leaves to the ones before it: outbound
# pushes may spend the whole day, inbound fetches stop at 10% left, polling and the
# invoices' pay links at 20%, reading invoices' history for a customer's view at 30%
DAY_RESERVE = {"push": 0.0, "fetch": 0.1, "poll": 0.2, "link": 0.2, "history": 0.3}
# share of the minute's calls a purpose leaves to the others: the pay links (one call
# per invoice) never hold up an invoice being sent
MINUTE_RESERVE = {"link": 0.25, "history": 0.5}
# jobs of a lower number go first (an invoice after the customer and products it needs)
PRIORITY = {"push": 10, "invoice": 15, "fetch": 20}
# days the audit log is kept (system parameter xero_connector.log_days)
LOG_DAYS = 90


# ---------------------------------------------------------------- who sees what

# sees Xero's figures (statuses, balances, invoices, payments) on customers and orders
GROUP_USER = "xero_connector.group_xero_user"
# runs the connection, the maps, the queue and the logs
GROUP_MANAGER = "xero_connector.group_xero_manager"
# Odoo's system administrators: alone see secrets and say where Odoo connects to
GROUP_SYSTEM = "base.group_system"


# ---------------------------------------------------------------- Xero's documents

# the statuses of an invoice or a credit note in Xero
DOCUMENT_STATUSES = [
    ("DRAFT", "Draft"),
    ("SUBMITTED", "Awaiting approval"),
    ("AUTHORISED", "Awaiting payment"),
    ("PAID", "Paid"),
    ("VOIDED", "Voided"),
    ("DELETED", "Deleted"),
]
# ... those in which it still asks for money or for approval
OPEN = ("AUTHORISED", "SUBMITTED")
# ... those in which it counts as posted
POSTED = ("AUTHORISED", "PAID")
# ... those after which it no longer counts
GONE = ("VOIDED", "DELETED")
# ... those it reaches when Xero moves the stock of its tracked items
STOCK_MOVING = ("AUTHORISED", "PAID", "VOIDED")
# where Xero invoices stand (an order's, or one), the most pressing first
PAYMENT_STATUSES = [
    ("draft", "Draft in Xero"),
    ("submitted", "Awaiting approval"),
    ("awaiting", "Awaiting payment"),
    ("sent", "Sent"),
    ("viewed", "Viewed"),
    ("partial", "Part-paid"),
    ("overdue", "Overdue"),
    ("paid", "Paid"),
    ("credited", "Credited"),
    ("voided", "Voided"),
]
