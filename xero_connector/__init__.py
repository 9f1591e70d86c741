from . import controllers, models, report, wizards


def post_init_hook(env):
    env["res.company"].search([])._xero_ensure_connection()
    env["xero.connection"].search([])._xero_ensure_field_rules()
