"""Signed webhook deliveries of any shape are acknowledged and only their well-formed
events queued; the pay link opened by a HEAD request (a mail scanner, a link preview)
marks nothing."""

import base64
import hashlib
import hmac
import json
import uuid

from odoo.tests import BaseCase, HttpCase, tagged

from odoo.addons.xero_connector.tools.webhook_events import read_delivery

from .common import XeroSyncCase
from .test_invoice_payments import PaymentCase

TENANT = "c2b1a7e4-0000-4000-8000-000000000001"
RESOURCE = "5F0C1B3E-9A7D-4E2B-8C61-0D2E3F4A5B6C"


def xero_event(**values):
    """An event as Xero sends them (values replace or, as None, remove its fields)."""
    event = {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{RESOURCE}",
        "resourceId": RESOURCE,
        "eventDateUtc": "2026-12-07T10:00:00.000",
        "eventType": "UPDATE",
        "eventCategory": "INVOICE",
        "tenantId": TENANT,
        "tenantType": "ORGANISATION",
    } | values
    return {key: value for key, value in event.items() if value is not None}


def delivery(*events, **payload):
    return json.dumps({"events": list(events), **payload}).encode()


def signature_of(key, body):
    """``x-xero-signature``: base64 of the HMAC-SHA256 of the raw body with the key."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


@tagged("post_install", "-at_install")
class TestReadDelivery(BaseCase):
    """The pure reading of a delivery's body (no database, no request)."""

    def test_a_well_formed_event_is_kept_with_its_resource_id_in_lower_case(self):
        events, dropped = read_delivery(delivery(xero_event(), entropy="x"))
        self.assertEqual(dropped, [])
        self.assertEqual(events, [xero_event(resourceId=RESOURCE.lower())])
        without_date = xero_event(eventDateUtc=None)
        self.assertEqual(
            read_delivery(delivery(without_date))[0],
            [without_date | {"resourceId": RESOURCE.lower()}],
        )

    def test_the_intent_to_receive_check_holds_no_event_and_no_problem(self):
        body = delivery(firstEventSequence=0, lastEventSequence=0, entropy="x")
        self.assertEqual(read_delivery(body), ([], []))

    def test_bodies_that_are_not_an_object_with_a_list_of_events(self):
        for body in (
            b"",
            b"not json",
            b"\xff\xfe\x00",
            b"[" * 100_000,
            b"[]",
            b'"events"',
            b"null",
            b"{}",
            b'{"events": null}',
            b'{"events": {"a": 1}}',
            b'{"events": "CONTACT"}',
        ):
            events, dropped = read_delivery(body)
            self.assertEqual(events, [], body[:20])
            self.assertEqual(len(dropped), 1, body[:20])

    def test_each_malformed_event_is_dropped_and_the_others_kept(self):
        malformed = [
            1,
            "x",
            None,
            [xero_event()],
            xero_event(tenantId=[TENANT]),
            xero_event(tenantId=None),
            xero_event(resourceId=42),
            xero_event(resourceId=None),
            xero_event(resourceId="not-a-uuid"),
            xero_event(resourceId=RESOURCE + "\n"),
            xero_event(resourceId="{" + RESOURCE + "}"),
            xero_event(resourceId=RESOURCE.replace("-", "")),
            xero_event(eventCategory={"INVOICE": 1}),
            xero_event(eventType=True),
            xero_event(eventDateUtc=20261207),
            xero_event() | {"eventDateUtc": None},
        ]
        events, dropped = read_delivery(delivery(*malformed, xero_event()))
        self.assertEqual([e["resourceId"] for e in events], [RESOURCE.lower()])
        self.assertEqual(len(dropped), len(malformed))
        self.assertEqual(dropped[0], "event 1: not an object")
        self.assertEqual(dropped[8], "event 9: resourceId not a UUID")
        self.assertFalse([d for d in dropped if TENANT in d or RESOURCE in d], "no values")


@tagged("post_install", "-at_install")
class TestWebhookBodies(XeroSyncCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.key = self.sandbox.app.webhooks.key
        self.connection.sudo().webhook_key = self.key
        self.env.flush_all()  # the webhook's requests read the key from the database

    def post(self, body, key=None):
        headers = {"x-xero-signature": signature_of(key, body)} if key else {}
        return self.url_open("/xero/webhook", data=body, headers=headers, allow_redirects=False)

    def deliver(self, payload):
        """Post ``payload`` as JSON, signed with the connection's key; 200 and no body."""
        answer = self.post(json.dumps(payload).encode(), key=self.key)
        self.assertEqual((answer.status_code, answer.content), (200, b""))

    def event(self, resource_id=None, **values):
        resource_id = resource_id or str(uuid.uuid4())
        return {
            "resourceUrl": f"https://api.xero.com/api.xro/2.0/Contacts/{resource_id}",
            "resourceId": resource_id,
            "eventDateUtc": "2026-12-07T10:00:00.000",
            "eventType": "UPDATE",
            "eventCategory": "CONTACT",
            "tenantId": self.connection.tenant_id,
            "tenantType": "ORGANISATION",
            **values,
        }

    def fetch_jobs(self):
        return self.jobs.search([("kind", "=", "contact.fetch")])

    def test_events_not_a_list_of_objects_are_acknowledged_and_ignored(self):
        self.deliver({"events": [1, "x", None, [], True]})
        self.deliver({"events": {"a": 1}})
        self.deliver({"events": "CONTACT"})
        self.deliver({"events": 7})
        self.assertFalse(self.fetch_jobs())

    def test_events_with_fields_of_the_wrong_type_are_dropped(self):
        tenant = self.connection.tenant_id
        self.deliver({"events": [self.event(tenantId=[tenant])]})
        self.deliver({"events": [self.event(tenantId={"id": tenant})]})
        self.deliver({"events": [self.event(eventCategory=["CONTACT"])]})
        self.deliver({"events": [self.event(eventType={"UPDATE": 1})]})
        self.deliver({"events": [self.event(eventDateUtc=["2026-12-07"])]})
        self.deliver({"events": [self.event(resourceId=42)]})
        self.assertFalse(self.fetch_jobs())

    def test_a_non_uuid_resource_id_queues_nothing(self):
        for resource_id in ("not-a-uuid", "../Contacts", "1234", "x" * 36):
            self.deliver({"events": [self.event(resource_id)]})
        self.assertFalse(self.fetch_jobs())

    def test_only_the_well_formed_event_of_a_mixed_delivery_is_queued(self):
        good = str(uuid.uuid4())
        tenant = self.connection.tenant_id
        logger = "odoo.addons.xero_connector.controllers.main"
        with self.assertLogs(logger, "WARNING") as logged:
            self.deliver(
                {
                    "events": [
                        1,
                        "x",
                        self.event(tenantId=[tenant]),
                        self.event(eventCategory={"a": 1}),
                        self.event("not-a-uuid"),
                        self.event(good.upper()),
                    ],
                    "firstEventSequence": 1,
                    "lastEventSequence": 6,
                    "entropy": "x",
                }
            )
        [message] = logged.output
        self.assertIn("5 part(s) of a signed delivery ignored", message)
        self.assertNotIn(tenant, message)
        self.assertNotIn(self.key, message)
        job = self.fetch_jobs()
        self.assertEqual(len(job), 1)
        self.assertEqual((job.state, job.xero_id), ("pending", good))

    def test_bodies_that_are_not_a_json_object_are_acknowledged(self):
        self.deliver([self.event()])
        self.deliver("events")
        self.deliver(None)
        for body in (b"not json at all", b"\xff\xfe\x00", b"[" * 100_000):
            answer = self.post(body, key=self.key)
            self.assertEqual((answer.status_code, answer.content), (200, b""))
        self.assertFalse(self.fetch_jobs())

    def test_intent_to_receive_and_unsigned_deliveries_keep_their_answers(self):
        intent = json.dumps(
            {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": "x"}
        ).encode()
        answer = self.post(intent, key=self.key)
        self.assertEqual((answer.status_code, answer.content), (200, b""))
        for key in (None, "someone else's key"):
            answer = self.post(json.dumps({"events": [self.event()]}).encode(), key=key)
            self.assertEqual((answer.status_code, answer.content), (401, b""))
        self.assertFalse(self.fetch_jobs())


@tagged("post_install", "-at_install")
class TestPayLinkHead(PaymentCase, HttpCase):
    def test_a_head_request_on_the_pay_link_marks_nothing(self):
        order, _document = self.invoiced_order()
        invoice = order.sudo().xero_invoice_ids
        path = order.xero_pay_url.split("://", 1)[1].split("/", 1)[1]
        messages = order.message_ids
        self.env.flush_all()
        self.authenticate(None, None)
        links = len(self.sandbox.calls_to("/OnlineInvoice"))
        answer = self.url_open(f"/{path}", method="HEAD", allow_redirects=False)
        self.assertEqual((answer.status_code, answer.content), (200, b""))
        self.assertEqual(len(self.sandbox.calls_to("/OnlineInvoice")), links, "nothing read")
        self.env.invalidate_all()
        self.assertFalse(invoice.online_url)
        self.assertFalse(invoice.xero_invoice_id.viewed_at)
        self.assertNotEqual(order.xero_payment_status, "viewed")
        self.assertEqual(order.message_ids, messages, "nothing posted on the order")
        # the customer's browser then opens it: Xero's link is read, once
        answer = self.url_open(f"/{path}", allow_redirects=False)
        self.env.invalidate_all()
        self.assertEqual(answer.headers["Location"], invoice.online_url)
        self.assertEqual(len(self.sandbox.calls_to("/OnlineInvoice")), links + 1)
        answer = self.url_open(f"/{path}", method="HEAD", allow_redirects=False)
        self.assertEqual(answer.headers["Location"], invoice.online_url, "known now")
        self.assertEqual(invoice.xero_invoice_id.viewed_source, "link")
        self.assertEqual(order.xero_payment_status, "viewed")
