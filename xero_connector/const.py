"""Xero's fixed facts: where it lives, what the addon asks for, what must never be logged."""

XERO_URLS = {
    "authorize": "https://login.xero.com/identity/connect/authorize",
    "token": "https://identity.xero.com/connect/token",
    "revoke": "https://identity.xero.com/connect/revocation",
    "identity": "https://api.xero.com",
    "accounting": "https://api.xero.com/api.xro/2.0",
}
SANDBOX_URL = "http://127.0.0.1:8070"
# granular scopes (apps created since March 2026 must use them); Xero adds up scopes
# across consents, so asking for the same set again is harmless
SCOPES = (
    "offline_access",
    "accounting.contacts",
    "accounting.settings",
    "accounting.invoices",
    "accounting.payments",
)
CUSTOM_CONNECTION_SCOPES = SCOPES[1:]
# seconds before expiry when an access token is renewed
TOKEN_MARGIN = 120
# (connect, read) seconds for every HTTP call to Xero
TIMEOUT = (5, 30)
# how long the signed OAuth state of a Connect click stays valid
STATE_MINUTES = 15
SENSITIVE_KEYS = (
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code",
    "code_verifier",
    "token",
    "authorization",
)


def sandbox_urls(base):
    base = base.rstrip("/")
    return {
        "authorize": f"{base}/identity/connect/authorize",
        "token": f"{base}/connect/token",
        "revoke": f"{base}/connect/revocation",
        "identity": base,
        "accounting": f"{base}/api.xro/2.0",
    }
