import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

/**
 * "How the sync works": two guided tours for new users, one for salespeople, one for
 * Xero managers. They run in Odoo's manual mode: the pointer shows one thing at a time,
 * with a short tooltip, and the user clicks it to go on. Every click opens a menu, a
 * screen or a record the user already has; none saves, sends, confirms or resyncs.
 *
 * What the user has (an invoiced order, a connected organisation, a failed job, the
 * reports' menus) is looked up when the tour starts, and kept for the tab so that a
 * reload in the middle rebuilds the same steps: a step is only where its screen is.
 */

export const SALES_TOUR = "xero_connector.tour_sales";
export const MANAGER_TOUR = "xero_connector.tour_manager";

const FACTS_KEY = "xero_connector.tour_facts";
export const XERO_APP = "xero_connector.menu_xero_root";

/** What the tour ``tourName`` may show this user, for the steps to come. */
export function saveTourFacts(tourName, facts) {
    browser.sessionStorage.setItem(FACTS_KEY, JSON.stringify({ tour: tourName, ...facts }));
}

function tourFacts(tourName) {
    try {
        const facts = JSON.parse(browser.sessionStorage.getItem(FACTS_KEY) || "{}");
        return facts.tour === tourName ? facts : {};
    } catch {
        return {};
    }
}

function step(id, trigger, content, tooltipPosition = "bottom") {
    return { id, trigger, content, tooltipPosition, run: "click" };
}

function menu(xmlid) {
    return `[data-menu-xmlid="${xmlid}"]`;
}

function openApps(id, content) {
    return step(id, ".o_navbar_apps_menu button:enabled", content);
}

function salesSteps() {
    const { order } = tourFacts(SALES_TOUR);
    const steps = [
        openApps(
            "sales.apps",
            _t(
                "Welcome! Click what the pointer shows to go on. Your orders are in an app: open the apps.",
            ),
        ),
        step(
            "sales.app",
            `.o_app${menu("sale.sale_menu_root")}`,
            _t("Sales holds your quotations and orders."),
            "right",
        ),
        step(
            "sales.orders-menu",
            `.o_main_navbar ${menu("sale.sale_order_menu")}`,
            _t("Your orders are under Orders."),
        ),
        step(
            "sales.orders",
            `.dropdown-item${menu("sale.menu_sale_order")}`,
            _t(
                "Confirmed orders. Confirming a quotation sends its invoice to Xero within seconds (or Create Xero invoice does, as your company chose): nothing to type again.",
            ),
            "right",
        ),
    ];
    if (order) {
        steps.push(
            step(
                "sales.order",
                `.o_list_view .o_data_row .o_data_cell[name=name]:text(${JSON.stringify(
                    order.name,
                )})`,
                _t(
                    "The Xero column says where each order's invoice stands; the filters Unpaid in Xero, Overdue in Xero and Paid this month find them. Open this order.",
                ),
            ),
        );
        if (order.status) {
            steps.push(
                step(
                    "sales.status",
                    ".o_form_view .o_field_widget[name=xero_payment_status]",
                    _t(
                        "Its Xero invoice: draft, awaiting payment, sent, viewed, part-paid, paid or overdue. It changes by itself seconds after Xero does, without a reload.",
                    ),
                ),
            );
        }
        if (order.payLink) {
            steps.push(
                step(
                    "sales.pay-link",
                    ".o_form_view label[for^=xero_online_url]",
                    _t(
                        "The pay link: Xero's online invoice, where the customer pays. Customers get it as Pay now on their portal and in the order's emails.",
                    ),
                ),
            );
        }
        if (order.status) {
            steps.push(
                step(
                    "sales.payment",
                    ".o_form_view label[for^=xero_amount_paid]",
                    _t(
                        "A payment recorded in Xero comes back within seconds: paid and due change, you get a note on the order, and an order paid in full carries a Paid in Xero ribbon.",
                    ),
                ),
            );
        }
        steps.push(
            order.problem
                ? step(
                      "sales.error",
                      ".o_form_view .o_xero_invoice_problem strong",
                      _t(
                          "Xero could not take this invoice: the reason, in plain words. Once the cause is fixed, Resync sends it again.",
                      ),
                  )
                : step(
                      "sales.error",
                      ".o_form_view .oe_title [name=name] span",
                      _t(
                          "If Xero cannot take an invoice, a red box here says why in plain words, with Resync to send it again once the cause is fixed.",
                      ),
                  ),
        );
        if (order.invoices) {
            steps.push(
                step(
                    "sales.invoices",
                    ".o_form_view button[name=action_xero_view_invoices]",
                    _t(
                        "The order's Xero invoices, with their number, status, amount due and credit notes.",
                    ),
                    "left",
                ),
            );
        }
    } else {
        steps.push(
            step(
                "sales.filters",
                ".o_control_panel .o_searchview_dropdown_toggler",
                _t(
                    "Once an order is confirmed, its Xero invoice shows on it: its status, the pay link, the payments. The filters Unpaid in Xero, Overdue in Xero and Paid this month find them.",
                ),
            ),
        );
    }
    steps.push(
        step(
            "sales.activities",
            ".o_menu_systray i[aria-label=Activities]",
            _t(
                "An invoice overdue in Xero, or a subscription payment that did not come, gives you an activity: here, and on the order.",
            ),
            "left",
        ),
    );
    return steps;
}

function managerSteps() {
    const facts = tourFacts(MANAGER_TOUR);
    const configuration = `.o_main_navbar ${menu("xero_connector.menu_xero_configuration")}`;
    const steps = [
        openApps(
            "manager.apps",
            _t("Welcome! Click what the pointer shows to go on. Open the apps."),
        ),
        step(
            "manager.app",
            `.o_app${menu(XERO_APP)}`,
            _t("Everything about the sync is in the Xero app."),
            "right",
        ),
        step(
            "manager.connect-menu",
            configuration,
            _t("First, connect: each company connects its own Xero organisation."),
        ),
    ];
    if (facts.settings) {
        steps.push(
            step(
                "manager.settings",
                `.dropdown-item${menu("xero_connector.menu_xero_settings")}`,
                _t(
                    "Settings > Xero: where Odoo connects (Xero, a Custom Connection or the local sandbox) and what syncs.",
                ),
                "right",
            ),
            step(
                "manager.connect",
                "#xero_connection .o_form_label",
                _t(
                    "Connect asks Xero which organisation to allow; Test connection shows it with the calls left today. Pause sync stops this company's sync: changes wait in the queue.",
                ),
            ),
        );
    } else {
        steps.push(
            step(
                "manager.connections",
                `.dropdown-item${menu("xero_connector.menu_xero_connections")}`,
                _t(
                    "Each company's connection: Connect, Test connection, and what syncs on its tabs.",
                ),
                "right",
            ),
        );
    }
    steps.push(
        step(
            "manager.map-menu",
            configuration,
            _t(
                "Then map. Accounts: the default sales account is on the connection's Taxes and accounts tab, and can be changed per product category and per product.",
            ),
        ),
        step(
            "manager.tax-map",
            `.dropdown-item${menu("xero_connector.menu_xero_tax_map")}`,
            _t(
                "Tax map: each sales tax goes to a Xero tax rate of the same rate. Rows to review are proposals that Accept confirms; Create this rate in Xero makes a missing rate.",
            ),
            "right",
        ),
        step(
            "manager.matrix-menu",
            configuration,
            _t("Which tax a customer's invoice carries depends on where the customer is."),
        ),
        step(
            "manager.tax-matrix",
            `.dropdown-item${menu("xero_connector.menu_xero_tax_matrix")}`,
            _t(
                "Taxes by customer location: per fiscal position and product tax, the Xero tax type a line will carry, with what the map does not cover flagged.",
            ),
            "right",
        ),
        step(
            "manager.golive-menu",
            configuration,
            _t(
                "Then go live, with Go live with contacts and Go live with products, here: first what to clean (duplicates, e-mails, addresses, taxes); then a dry run lists what would be linked, created or left for review, changing nothing; then a test batch of a few; then Go live.",
            ),
        ),
        step(
            "manager.overview",
            `.o_main_navbar ${menu("xero_connector.menu_xero_dashboard")}`,
            _t("Once live, watch the Overview."),
        ),
    );
    if (facts.connected) {
        steps.push(
            step(
                "manager.figures",
                ".o_kanban_record button[name=action_open_failed_jobs]",
                _t(
                    "Per organisation: the work pending, failed and waiting for Xero's limit, the calls left today and the last successful sync, with Sync now and Pause sync below. Open what failed.",
                ),
            ),
        );
        if (facts.failed) {
            steps.push(
                step(
                    "manager.failed-job",
                    ".o_list_view .o_data_row .o_data_cell[name=failure_reason]",
                    _t("Each failed job says why in a few words. Open one."),
                ),
                step(
                    "manager.failure",
                    ".o_form_view .alert-danger .o_field_widget[name=failure_reason]",
                    _t(
                        "What Xero said, in plain words, and the field to fix. Fix the record and save: it goes again by itself. Retry sends the job again; Resync on an order or a customer does the same from there.",
                    ),
                ),
            );
        }
    }
    steps.push(
        step(
            "manager.queue",
            `.o_main_navbar ${menu("xero_connector.menu_xero_queue")}`,
            facts.connected && facts.failed
                ? _t(
                      "The queue: every change on its way to or from Xero, with the filters Failed, Waiting for the rate limit and Retrying.",
                  )
                : _t(
                      "The queue: every change on its way to or from Xero. A change Xero refuses fails with the reason in plain words and the field to fix: fix the record, then Retry here, or Resync on the record.",
                  ),
        ),
    );
    const reports = facts.reports || [];
    for (const report of reports) {
        steps.push(...reportSteps(report));
    }
    if (reports.some((report) => report.app !== XERO_APP)) {
        steps.push(
            openApps("manager.back-apps", _t("Back to Xero.")),
            step("manager.back-app", `.o_app${menu(XERO_APP)}`, _t("Xero."), "right"),
        );
    }
    steps.push(
        step(
            "manager.end",
            `.o_main_navbar ${menu("xero_connector.menu_xero_dashboard")}`,
            _t(
                "That is the sync. The one-page help is on the Overview: How the sync works. Back to the Overview.",
            ),
        ),
    );
    return steps;
}

/** The reports another part of the addon adds, by their menu: where to find them. */
const REPORT_TEXTS = {
    leakage: () =>
        _t(
            "Revenue leakage: won deals without an order, orders not invoiced in Xero, invoices voided, changed or credited in Xero behind the order's back, each with what fixes it. Checked every day, without a call to Xero.",
        ),
    "health-check": () =>
        _t(
            "Health checks: on the first of each month every organisation is checked (failed syncs, duplicates, records Xero lacks or that changed since synced, an authorisation about to lapse, silent webhooks) and the result e-mailed to you. Each finding opens where it is fixed.",
        ),
};

function reportSteps(report) {
    // the report's menu: its app, the section of the app's bar, the item of the section
    const steps = [];
    if (report.app !== XERO_APP) {
        steps.push(
            openApps(`manager.${report.key}-apps`, _t("One more thing, in another app.")),
            step(
                `manager.${report.key}-app`,
                `.o_app${menu(report.app)}`,
                _t("It is in %s.", report.appName),
                "right",
            ),
        );
    }
    if (report.section) {
        steps.push(
            step(
                `manager.${report.key}-section`,
                `.o_main_navbar ${menu(report.section)}`,
                _t("In %s.", report.sectionName),
            ),
        );
    }
    steps.push(
        step(
            `manager.${report.key}`,
            report.section
                ? `.dropdown-item${menu(report.menu)}`
                : `.o_main_navbar ${menu(report.menu)}`,
            REPORT_TEXTS[report.key](),
            report.section ? "right" : "bottom",
        ),
    );
    return steps;
}

registry.category("web_tour.tours").add(SALES_TOUR, { steps: salesSteps });
registry.category("web_tour.tours").add(MANAGER_TOUR, { steps: managerSteps });
