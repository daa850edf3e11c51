from tests.jobs.conftest import org_a  # noqa: F401  (the same stand-in org as the engine's tests)
