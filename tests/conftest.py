# Shared fixtures live in tests/fixtures/: the running simulator (sfsim.py), the
# personas from two tenants (personas.py) and one real browser for UI tests
# (browser.py). Loaded once here, so session fixtures are shared, never duplicated.
pytest_plugins = [
    "tests.fixtures.sfsim",
    "tests.fixtures.personas",
    "tests.fixtures.browser",
]
