"""The scheduler and a manager's Sync now poll the same organisation at once, with real
commits: each page of a collection is read by one of them, never by both."""

import pytest

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name

from .common import committed_connection


def environment(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


@pytest.fixture
def poll_cursor(sandbox):
    """The id of the contacts' polling cursor of the main company's connected connection."""
    with committed_connection(sandbox) as registry:
        with registry.cursor() as cr:
            env = environment(cr)
            connection = env.company._xero_connection().sudo()
            cursor_id = env["xero.poll.cursor"]._xero_for(connection, "res.partner").id
        yield cursor_id


def test_a_page_is_read_by_one_worker_at_a_time(poll_cursor):
    registry = Registry(get_db_name())
    with registry.cursor() as first_cr, registry.cursor() as second_cr:
        first = environment(first_cr)["xero.poll.cursor"].browse(poll_cursor)
        second = environment(second_cr)["xero.poll.cursor"].browse(poll_cursor)
        assert first._xero_take_turn(), "the first worker reads the page"
        assert not second._xero_take_turn(), "the other one leaves it: it is being read"
        # the first worker read its page and moved on (its page's transaction commits)
        first.write({"next_page": 2})
        first_cr.commit()
        # the other one's transaction began before that: it must not read a page with
        # where the cursor stood then, and leaves it without an error
        assert not second._xero_take_turn()
        # its next page's transaction sees where the cursor is now, and reads on from there
        second_cr.commit()
        assert second._xero_take_turn()
        assert second.next_page == 2
        second_cr.rollback()
