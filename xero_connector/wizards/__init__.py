from . import xero_connect, xero_contact_golive
