# Shared fixtures live in tests/fixtures/: the running simulator (sfsim.py) and the
# personas from two tenants (personas.py).
pytest_plugins = [
    "tests.fixtures.sfsim",
    "tests.fixtures.personas",
]
