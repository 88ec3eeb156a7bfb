"""French and English with Québec formats; labels, keyboard focus and AA contrast."""

from __future__ import annotations

import re
from collections.abc import Callable

from browser_pages import sign_in
from browser_server import ADMIN, ADMIN_ACTOR, ADMIN_PASSWORD, TECH_PASSWORD, PortalServer
from playwright.sync_api import Page, expect

from sm2_core.domain.job import Vehicle

FRENCH_MOMENT = re.compile(
    r"\d{1,2} (janv\.|févr\.|mars|avr\.|mai|juin|juill\.|août|sept\.|oct\.|nov\.|déc\.) "
    r"\d{4} \d{1,2} h \d{2}"
)
ENGLISH_MOMENT = re.compile(r"[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2} (AM|PM)")

# WCAG 2.1 contrast of every element that draws text, against its first opaque background.
CONTRAST_PROBLEMS = """() => {
  const rgba = c => { const p = c.match(/[\\d.]+/g).map(Number); return p.length === 3 ? [...p, 1] : p; };
  const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgba(getComputedStyle(el).backgroundColor);
      if (c[3] > 0.5) return c;
    }
    return [255, 255, 255, 1];
  };
  const problems = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.visually-hidden') || !el.getClientRects().length) continue;
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(el);
    const [a, b] = [luminance(rgba(style.color)), luminance(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) problems.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}: ${el.textContent.trim().slice(0, 40)}`);
  }
  return problems;
}"""

UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(e => !e.labels.length && !e.getAttribute('aria-label')).map(e => e.name)"""


def _audit(page: Page) -> None:
    assert [] == page.evaluate(UNLABELLED), "every input has a label"
    assert [] == page.evaluate(CONTRAST_PROBLEMS), "text passes WCAG AA contrast"


class TestLanguages:
    def test_a_french_browser_gets_french_and_quebec_formats(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """Accept-Language fr-CA: French words, "249,00 $" and "25 nov. 2026 14 h 05"."""
        job = server.create_job("+14185550103", "KEY_PROGRAMMING", Vehicle(2022, "Toyota", "bZ4X"))
        page = open_page(locale="fr-CA")
        page.goto(server.url + "/login")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_role("heading", level=1)).to_have_text("Connexion des répartiteurs")
        page.get_by_label("Nom d'utilisateur").fill(ADMIN)
        page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de répartition")
        page.goto(f"{server.url}/jobs/{job.id}")
        work = page.locator("#work-h + dl")
        expect(work).to_contain_text("249,00\u00a0$")
        expect(work).to_contain_text("Programmation de clé")
        expect(work).to_contain_text(FRENCH_MOMENT)

    def test_the_switch_changes_the_language_and_remembers_it(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """An English browser switched to French stays French, with French formats."""
        job = server.create_job("+14185550103", "KEY_PROGRAMMING", Vehicle(2022, "Toyota", "C-HR"))
        page = open_page(locale="en-CA")
        sign_in(page, server, ADMIN, ADMIN_PASSWORD, tech=False)
        page.goto(f"{server.url}/jobs/{job.id}")
        work = page.locator("#work-h + dl")
        expect(work).to_contain_text("$249.00")
        expect(work).to_contain_text(ENGLISH_MOMENT)
        page.get_by_role("button", name="Français").click()
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page).to_have_url(f"{server.url}/jobs/{job.id}")
        expect(page.locator("#work-h + dl")).to_contain_text("249,00\u00a0$")
        page.get_by_role("link", name="Boîte de réception").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Boîte de réception")

    def test_the_technician_portal_speaks_french_too(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """The phone portal follows the browser's language as well."""
        phone = open_page(phone=True, locale="fr-CA")
        phone.goto(server.url + "/tech/login")
        expect(phone.get_by_role("heading", level=1)).to_have_text("Connexion des techniciens")


class TestAccessibility:
    def test_admin_pages_have_labels_and_aa_contrast(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The board, a job page, the inbox and the rules: labelled inputs, AA contrast."""
        job = server.create_job(
            "+14185550101", "KEY_PROGRAMMING", Vehicle(2024, "Audi", "Q7", vin="WA1BNAFY4PP057830")
        )
        for path in ("/", f"/jobs/{job.id}", "/inbox", "/admin/rules", "/admin/technicians"):
            admin_page.goto(server.url + path)
            _audit(admin_page)

    def test_the_technician_list_has_labels_and_aa_contrast(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        job = server.create_job("+14185550101", "KEY_PROGRAMMING", Vehicle(2021, "Audi", "Q3"))
        server.call(server.system.services.dispatch.verify(job.id, actor=ADMIN_ACTOR))
        server.assign(job.id, "marc")
        phone = open_page(phone=True)
        sign_in(phone, server, "marc", TECH_PASSWORD, tech=True)
        _audit(phone)

    def test_the_keyboard_reaches_everything_with_a_visible_focus(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """Tab first lands on the skip link, which is shown and outlined, and jumps to content."""
        admin_page.goto(server.url + "/")
        admin_page.keyboard.press("Tab")
        skip = admin_page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        outline = skip.evaluate(
            "e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth"
        )
        assert "solid 3px" == outline
        admin_page.keyboard.press("Enter")
        admin_page.keyboard.press("Tab")
        focused = admin_page.evaluate("document.activeElement.closest('main') !== null")
        assert focused, "after the skip link, the next stop is inside the main content"
