# Shared fixtures live in tests/fixtures/: the running simulator (sfsim.py), the
# personas from two tenants (personas.py) and one real browser for UI tests
# (browser.py). Loaded once here, so session fixtures are shared, never duplicated.
pytest_plugins = [
    "tests.fixtures.sfsim",
    "tests.fixtures.personas",
    "tests.fixtures.browser",
]


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _outbound_allow_private(settings):
    """The simulator (and every test receiver) listens on loopback: tests allow private
    outbound addresses, as the demo does; a test of the refusal turns it off again."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
