"""A toy operation app, as a new operation app would be written: it registers itself
with the engine from `ready()` and subscribes to the "job finished" hook. Nothing in
jobs/ or schedules/ names it."""

from django.apps import AppConfig

FINISHED: list[tuple[int, str]] = []


class ToyConfig(AppConfig):
    name = "tests.jobs.toy_app"
    label = "toy_app"

    def ready(self) -> None:
        from jobs import hooks, registry
        from jobs.registry import JobConfig, JobTab, OperationType

        def configure(*, org, settings: dict, rounds: int = 2) -> JobConfig:
            if not 1 <= int(settings.get("rounds", rounds)) <= 5:
                raise ValueError("A toy job counts 1 to 5 rounds.")
            return JobConfig(
                settings={"rounds": int(settings.get("rounds", rounds))}, name="Toy count"
            )

        registry.register(
            OperationType(
                name="toy_count",
                label="Toy Count",
                handler="tests.jobs.toy_app.handler.ToyHandler",
                configure=configure,
                schedulable=True,
                tabs=(JobTab("rounds", "Rounds", "jobs:job_logs"),),
            )
        )
        hooks.job_finished.subscribe(remember_finished)


def remember_finished(*, job) -> None:
    FINISHED.append((job.pk, job.status))
