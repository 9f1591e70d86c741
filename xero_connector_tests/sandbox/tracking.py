"""Tracking categories and their options, and the Tracking of document lines."""

from .common import text
from .errors import ElementError

MAX_ACTIVE_CATEGORIES = 2
MAX_ACTIVE_OPTIONS = 100
STATUSES = ("ACTIVE", "ARCHIVED")
CATEGORY_NAME_TAKEN = "For each specified tracking category the name must be unique."
OPTION_NAME_TAKEN = "For each specified tracking option the name must be unique."


def _same_name(first, second):
    return (first or "").strip().lower() == (second or "").strip().lower()


def _status(values, current):
    status = values.get("Status") or current
    if status not in STATUSES:
        raise ElementError("Status must be ACTIVE or ARCHIVED.")
    return status


class TrackingMixin:
    # ------------------------------------------------------------ categories

    def tracking_list(self, include_archived=False):
        return [
            c
            for c in self.tracking_categories.values()
            if include_archived or c["Status"] == "ACTIVE"
        ]

    def create_tracking_category(self, values, user):
        name = text(values, "Name", 100, required=True)
        self._check_category_name(name)
        self._check_active_categories()
        category = {
            "TrackingCategoryID": self.new_id(),
            "Name": name,
            "Status": "ACTIVE",
            "Options": [],
        }
        for option in values.get("Options") or []:
            self._new_option(category, option)
        self.tracking_categories[category["TrackingCategoryID"]] = category
        self.log(category["TrackingCategoryID"], "Created", f"Tracking category {name}.", user)
        return category

    def update_tracking_category(self, category, values, user):
        """A new name or status; options change through their own endpoints only."""
        name = text(values, "Name", 100)
        status = _status(values, category["Status"])
        if name and not _same_name(name, category["Name"]):
            self._check_category_name(name, category)
        if status == "ACTIVE" and category["Status"] != "ACTIVE":
            self._check_active_categories()
        category.update(Name=name or category["Name"], Status=status)
        self.log(
            category["TrackingCategoryID"],
            "Updated",
            f"Tracking category {category['Name']} ({status}).",
            user,
        )
        return category

    def delete_tracking_category(self, category):
        if self._tracking_used("TrackingCategoryID", category["TrackingCategoryID"]):
            raise ElementError(
                f"The tracking category {category['Name']} has been used on transactions and "
                "cannot be deleted; archive it instead."
            )
        del self.tracking_categories[category["TrackingCategoryID"]]
        return {**category, "Status": "DELETED", "Options": []}

    def _check_category_name(self, name, current=None):
        if any(
            c is not current and _same_name(c["Name"], name)
            for c in self.tracking_categories.values()
        ):
            raise ElementError(CATEGORY_NAME_TAKEN)

    def _check_active_categories(self):
        if len(self.tracking_list()) >= MAX_ACTIVE_CATEGORIES:
            raise ElementError(
                f"You can only have {MAX_ACTIVE_CATEGORIES} active tracking categories."
            )

    # ------------------------------------------------------------ options

    def tracking_option(self, category, option_id):
        return next(
            (o for o in category["Options"] if o["TrackingOptionID"] == option_id.lower()), None
        )

    def add_tracking_option(self, category, values, user):
        option = self._new_option(category, values)
        self.log(category["TrackingCategoryID"], "Updated", f"Option {option['Name']} added.", user)
        return option

    def _new_option(self, category, values):
        name = text(values, "Name", 100, required=True)
        if any(_same_name(o["Name"], name) for o in category["Options"]):
            raise ElementError(OPTION_NAME_TAKEN)
        self._check_active_options(category)
        option = {"TrackingOptionID": self.new_id(), "Name": name, "Status": "ACTIVE"}
        category["Options"].append(option)
        return option

    def update_tracking_option(self, category, option, values, user):
        name = text(values, "Name", 100)
        status = _status(values, option["Status"])
        if name and any(
            o is not option and _same_name(o["Name"], name) for o in category["Options"]
        ):
            raise ElementError(OPTION_NAME_TAKEN)
        if status == "ACTIVE" and option["Status"] != "ACTIVE":
            self._check_active_options(category)
        option.update(Name=name or option["Name"], Status=status)
        self.log(category["TrackingCategoryID"], "Updated", f"Option {option['Name']}.", user)
        return option

    def delete_tracking_option(self, category, option):
        if self._tracking_used("TrackingOptionID", option["TrackingOptionID"]):
            raise ElementError(
                f"The tracking option {option['Name']} has been used on transactions and cannot "
                "be deleted; archive it instead."
            )
        category["Options"].remove(option)
        return {**option, "Status": "DELETED"}

    @staticmethod
    def _check_active_options(category):
        active = [o for o in category["Options"] if o["Status"] == "ACTIVE"]
        if len(active) >= MAX_ACTIVE_OPTIONS:
            raise ElementError(
                f"A tracking category can have at most {MAX_ACTIVE_OPTIONS} active options."
            )

    def _tracking_used(self, key, value):
        return any(
            entry.get(key) == value
            for document in (*self.invoices.values(), *self.credit_notes.values())
            if document["Status"] != "DELETED"
            for line in document["LineItems"]
            for entry in line.get("Tracking", [])
        )

    # ------------------------------------------------------------ views

    @staticmethod
    def tracking_category_view(category, include_archived=True):
        options = [
            {k: option[k] for k in ("TrackingOptionID", "Name", "Status")}
            for option in category["Options"]
            if include_archived or option["Status"] == "ACTIVE"
        ]
        return {
            "TrackingCategoryID": category["TrackingCategoryID"],
            "Name": category["Name"],
            "Status": category["Status"],
            "Options": options,
        }

    @staticmethod
    def tracking_option_view(option):
        return {k: option[k] for k in ("TrackingOptionID", "Name", "Status")}

    # ------------------------------------------------------------ document lines

    def line_tracking(self, entries):
        """A line's Tracking, each entry naming an active category and one of its active
        options by ID or by name (two at most, one per category)."""
        if len(entries) > MAX_ACTIVE_CATEGORIES:
            raise ElementError("A line item can have at most 2 tracking categories.")
        found = [self._tracking_entry(entry or {}) for entry in entries]
        if len({entry["TrackingCategoryID"] for entry in found}) < len(found):
            raise ElementError("A line item can only have one option for each tracking category.")
        return found

    def _tracking_entry(self, entry):
        label = entry.get("Name") or entry.get("TrackingCategoryID")
        category = self._find_category(entry)
        if not category or category["Status"] != "ACTIVE":
            raise ElementError(f"Tracking category '{label}' does not exist or is archived.")
        option = self._find_option(category, entry)
        if not option or option["Status"] != "ACTIVE":
            given = entry.get("Option") or entry.get("TrackingOptionID")
            raise ElementError(
                f"Tracking option '{given}' does not exist in tracking category "
                f"'{category['Name']}' or is archived."
            )
        return {
            "TrackingCategoryID": category["TrackingCategoryID"],
            "TrackingOptionID": option["TrackingOptionID"],
            "Name": category["Name"],
            "Option": option["Name"],
        }

    def _find_category(self, entry):
        if entry.get("TrackingCategoryID"):
            return self.tracking_categories.get(str(entry["TrackingCategoryID"]).lower())
        return next(
            (
                c
                for c in self.tracking_categories.values()
                if c["Status"] == "ACTIVE" and _same_name(c["Name"], entry.get("Name"))
            ),
            None,
        )

    def _find_option(self, category, entry):
        if entry.get("TrackingOptionID"):
            return self.tracking_option(category, str(entry["TrackingOptionID"]))
        return next(
            (
                o
                for o in category["Options"]
                if o["Status"] == "ACTIVE" and _same_name(o["Name"], entry.get("Option"))
            ),
            None,
        )

    def line_tracking_view(self, entries):
        """A line's Tracking with today's names of its category and option."""
        view = []
        for entry in entries:
            category = self.tracking_categories.get(entry["TrackingCategoryID"])
            option = category and self.tracking_option(category, entry["TrackingOptionID"])
            view.append(
                {
                    **entry,
                    "Name": category["Name"] if category else entry["Name"],
                    "Option": option["Name"] if option else entry["Option"],
                }
            )
        return view
