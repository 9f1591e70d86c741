from . import xero_contact_golive
