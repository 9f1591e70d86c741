from odoo.tests import TransactionCase, new_test_user


class TestXeroAccess(TransactionCase):
    """Who sees what: the two Xero groups and the Xero menu."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group_user = cls.env.ref("xero_connector.group_xero_user")
        cls.group_manager = cls.env.ref("xero_connector.group_xero_manager")
        cls.xero_menu = cls.env.ref("xero_connector.menu_xero_root")
        cls.rep = new_test_user(cls.env, "xero_rep", groups="sales_team.group_sale_salesman")
        cls.xero_user = new_test_user(
            cls.env,
            "xero_user",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )

    def visible_apps(self, user):
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
        return {menus[menu_id]["xmlid"] for menu_id in menus["root"]["children"]}

    def test_privilege_holds_user_and_manager(self):
        privilege = self.env.ref("xero_connector.res_groups_privilege_xero")
        self.assertEqual(privilege.name, "Xero")
        self.assertEqual(privilege.group_ids, self.group_user | self.group_manager)
        self.assertIn(self.group_user, self.group_manager.all_implied_ids)
        self.assertNotIn(self.group_manager, self.group_user.all_implied_ids)

    def test_administrator_is_xero_manager(self):
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("xero_connector.group_xero_manager"))
        self.assertTrue(admin.has_group("xero_connector.group_xero_user"))

    def test_plain_salesperson_has_no_xero_group_and_no_menu(self):
        self.assertFalse(self.rep.has_group("xero_connector.group_xero_user"))
        apps = self.visible_apps(self.rep)
        self.assertIn("sale.sale_menu_root", apps)
        self.assertNotIn("xero_connector.menu_xero_root", apps)

    def test_xero_user_sees_figures_but_not_the_configuration_menu(self):
        self.assertTrue(self.xero_user.has_group("xero_connector.group_xero_user"))
        self.assertFalse(self.xero_user.has_group("xero_connector.group_xero_manager"))
        self.assertNotIn("xero_connector.menu_xero_root", self.visible_apps(self.xero_user))

    def test_administrator_sees_xero_menu_leading_to_settings(self):
        admin = self.env.ref("base.user_admin")
        menus = self.env["ir.ui.menu"].with_user(admin).load_menus(debug=False)
        self.assertIn("xero_connector.menu_xero_root", self.visible_apps(admin))
        configuration = self.env.ref("xero_connector.menu_xero_configuration")
        settings = self.env.ref("xero_connector.menu_xero_settings")
        self.assertIn(configuration.id, menus[self.xero_menu.id]["children"])
        self.assertIn(settings.id, menus[configuration.id]["children"])
        action = self.env.ref("xero_connector.action_xero_config_settings")
        self.assertEqual(menus[settings.id]["action_id"], action.id)
        self.assertEqual(action.res_model, "res.config.settings")
        self.assertEqual(action.context, "{'module': 'xero_connector', 'bin_size': False}")

    def test_xero_manager_without_settings_rights_sees_connections_only(self):
        manager = new_test_user(
            self.env,
            "xero_manager",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_manager",
        )
        menus = self.env["ir.ui.menu"].with_user(manager).load_menus(debug=False)
        self.assertIn("xero_connector.menu_xero_root", self.visible_apps(manager))
        visible = {menu["xmlid"] for key, menu in menus.items() if key != "root"}
        self.assertIn("xero_connector.menu_xero_connections", visible)
        self.assertNotIn("xero_connector.menu_xero_settings", visible)

    def test_settings_block_only_for_xero_managers(self):
        admin_without_xero = new_test_user(self.env, "plain_admin", groups="base.group_system")
        self.assertFalse(admin_without_xero.has_group("xero_connector.group_xero_user"))
        Settings = self.env["res.config.settings"]
        plain_arch = Settings.with_user(admin_without_xero).get_views([(False, "form")])
        admin_arch = Settings.with_user(self.env.ref("base.user_admin")).get_views(
            [(False, "form")]
        )
        self.assertNotIn('name="xero_connector"', plain_arch["views"]["form"]["arch"])
        self.assertIn('name="xero_connector"', admin_arch["views"]["form"]["arch"])
