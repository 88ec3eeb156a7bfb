"""Logins from the admin portal's Users page: create, reset a password, deactivate."""

from __future__ import annotations

from collections.abc import Callable

from browser_pages import sign_in
from browser_server import PortalServer
from playwright.sync_api import Page, expect


class TestUsersPage:
    def test_a_technician_login_is_created_used_and_switched_off(
        self, admin_page: Page, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """The new login signs in on a phone; deactivating it signs that phone out."""
        page = admin_page
        page.get_by_role("link", name="Users").click()
        form = page.locator("#user-form")
        form.get_by_label("Username").fill("sophie")
        form.get_by_label("Password").fill("sophie-password-1")
        form.get_by_label("Role").select_option("tech")
        form.get_by_label("Technician").select_option(label="Sophie Côté")
        form.get_by_role("button", name="Create the login").click()
        expect(page.get_by_role("status").filter(has_text="Login created.")).to_be_visible()
        row = page.locator("table.reference tbody tr", has_text="sophie")
        expect(row).to_contain_text("Sophie Côté")

        phone = open_page(phone=True)
        sign_in(phone, server, "sophie", "sophie-password-1", tech=True)
        row.get_by_role("button", name="Deactivate sophie").click()
        expect(page.get_by_role("status").filter(has_text="Login deactivated")).to_be_visible()
        expect(row).to_contain_text("inactive")
        phone.reload()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Technician sign-in")

    def test_a_password_is_reset_and_one_s_own_login_has_no_deactivate(
        self, admin_page: Page, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """The new password works at once; the signed-in admin's own row offers no switch-off."""
        page = admin_page
        page.get_by_role("link", name="Users").click()
        row = page.locator("table.reference tbody tr", has_text="julie")
        row.locator("summary").click()
        row.get_by_label("New password for julie").fill("julie-new-password")
        row.get_by_role("button", name="Reset the password").click()
        expect(page.get_by_role("status").filter(has_text="Password reset")).to_be_visible()
        sign_in(open_page(phone=True), server, "julie", "julie-new-password", tech=True)
        own = page.locator("table.reference tbody tr", has_text="you")
        expect(own).to_contain_text("dispatch")
        expect(own.get_by_role("button", name="Deactivate")).to_have_count(0)
