import { registry } from "@web/core/registry";

// Measures of what a 1440 px screen shows (issue 22, point 8): text wrapped over two
// lines, cut off, or pushed out of view.

/** The rectangles of the text inside `element`, one per line box of each text node. */
function textRects(element) {
    const rects = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        if (!walker.currentNode.textContent.trim()) {
            continue;
        }
        const range = document.createRange();
        range.selectNodeContents(walker.currentNode);
        rects.push(...[...range.getClientRects()].filter((rect) => rect.width > 0));
    }
    return rects;
}

/** Throws unless the text of `element` is on one line and nothing of it is cut off. */
function assertOneLine(element, what) {
    const rects = textRects(element);
    if (!rects.length) {
        throw new Error(`${what}: no text shown`);
    }
    const tops = rects.map((rect) => rect.top);
    const lineHeight = Math.min(...rects.map((rect) => rect.height));
    if (Math.max(...tops) - Math.min(...tops) >= lineHeight / 2) {
        throw new Error(`${what}: "${element.textContent.trim()}" wraps over several lines`);
    }
    if (element.scrollWidth > element.clientWidth + 1) {
        throw new Error(`${what}: "${element.textContent.trim()}" is cut off`);
    }
}

/** Throws unless the column heading `name` is wholly inside the list and the window. */
function assertColumnInView(name) {
    const th = document.querySelector(
        `.o_field_one2many[name='order_line'] th[data-name='${name}']`,
    );
    if (!th) {
        throw new Error(`the ${name} column is not shown`);
    }
    const rect = th.getBoundingClientRect();
    const list = th.closest(".o_list_renderer").getBoundingClientRect();
    if (rect.width <= 0 || rect.right > window.innerWidth || rect.right > list.right + 1) {
        throw new Error(
            `the ${name} column (${Math.round(rect.left)}-${Math.round(rect.right)} px) is out ` +
                `of view: the list ends at ${Math.round(list.right)} px, the window at ${window.innerWidth} px`,
        );
    }
}

/** Throws if a column heading of the list `list` is cut off (shown with an ellipsis). */
function assertHeadingsWhole(list) {
    for (const th of document.querySelectorAll(`${list} thead th[data-name]`)) {
        const label = th.querySelector(".text-truncate");
        if (label && label.scrollWidth > label.clientWidth) {
            throw new Error(`the heading "${label.textContent}" is cut off`);
        }
        if (th.scrollWidth > th.clientWidth + 1) {
            throw new Error(`the heading "${th.textContent.trim()}" overflows`);
        }
    }
}

registry
    .category("web_tour.tours")
    .add("xero_connector_tests.layout_overview_figures_on_one_line", {
        steps: () => [
            {
                content: "The Overview shows the day's calls against a large plan",
                trigger: ".o_kanban_record .o_xero_calls_used .o_progressbar_value:contains('50k')",
            },
            {
                content: "Every figure of the card is on one line, none cut off",
                trigger: ".o_kanban_record .o_xero_calls_used .o_progressbar_value",
                run() {
                    const card = document.querySelector(".o_kanban_record:has(.o_xero_calls_used)");
                    const figures = [
                        ...card.querySelectorAll(".fs-3"),
                        card.querySelector(".o_xero_calls_used .o_progressbar_value"),
                    ];
                    if (figures.length < 5) {
                        throw new Error(`only ${figures.length} figures found`);
                    }
                    for (const figure of figures) {
                        assertOneLine(figure, "a figure of the Overview");
                    }
                },
            },
        ],
    });

registry.category("web_tour.tours").add("xero_connector_tests.layout_order_lines_in_view", {
    steps: () => [
        {
            content: "The confirmed order shows Xero's stock, what was delivered and invoiced",
            trigger:
                ".o_field_one2many[name='order_line'] thead:has(th[data-name='xero_stock_warning']):has(th[data-name='qty_delivered']):has(th[data-name='qty_invoiced'])",
        },
        {
            content: "... and its line says how many Xero has",
            trigger: ".o_data_row td[name='xero_stock_warning']:contains('available in Xero')",
        },
        {
            content: "The discount and the amount stay in view, no heading cut off",
            trigger: ".o_field_one2many[name='order_line'] th[data-name='discount']",
            run() {
                assertColumnInView("discount");
                assertColumnInView("price_subtotal");
                assertHeadingsWhole(".o_field_one2many[name='order_line']");
            },
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.layout_subscription_lines_in_view", {
    steps: () => [
        {
            content: "The confirmed subscription's lines say which recur",
            trigger:
                ".o_field_one2many[name='order_line'] .o_data_row td[name='xero_recurring'] input:checked",
        },
        {
            content: "The discount and the amount stay in view, no heading cut off",
            trigger: ".o_field_one2many[name='order_line'] th[data-name='discount']",
            run() {
                assertColumnInView("xero_recurring");
                assertColumnInView("discount");
                assertColumnInView("price_subtotal");
                assertHeadingsWhole(".o_field_one2many[name='order_line']");
            },
        },
    ],
});

registry.category("web_tour.tours").add("xero_connector_tests.layout_tax_map_headings_whole", {
    steps: () => [
        {
            content: "The tax map lists the sales taxes",
            trigger: ".o_list_view .o_data_row:contains('Export 0%')",
        },
        {
            content: "No column heading is cut off",
            trigger: ".o_list_view thead th[data-name='xero_tax_rate_id']",
            run() {
                assertHeadingsWhole(".o_list_view");
            },
        },
    ],
});
