from . import controllers, models


def post_init_hook(env):
    env["res.company"].search([])._xero_ensure_connection()
