"""The Content-Security-Policy in Chromium: our own scripts run (the live password
rules), an injected inline script does not, and no page of ours trips the policy."""

from django.urls import reverse


def test_own_scripts_run_and_injected_inline_script_is_refused(page, live_server):
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(live_server.url + reverse("tenants:sign_up"))

    page.locator("#id_password").fill("Éléphant-rose-7")
    rules = page.locator("#password-rules")
    assert rules.locator("li.ok").count() == 4, rules.inner_text()
    assert violations == []

    ran = page.evaluate(
        """() => {
          const script = document.createElement('script');
          script.textContent = 'window.injected = true';
          document.body.appendChild(script);
          return window.injected === true;
        }"""
    )
    assert ran is False
    assert any("script-src 'self'" in text for text in violations), violations
