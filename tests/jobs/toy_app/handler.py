from jobs.models import JobObject


class ToyHandler:
    """One unit of work per round; each unit counts 10 records."""

    def prepare(self, ctx) -> None:
        rounds = ctx.job.settings["rounds"]
        JobObject.objects.bulk_create(
            [JobObject(job=ctx.job, object_name=f"Round {n}") for n in range(1, rounds + 1)],
            ignore_conflicts=True,
        )
        ctx.log(f"{rounds} rounds to count.")

    def process(self, ctx, job_object) -> None:
        job_object.save_progress(records=10, added=10)
        ctx.checkpoint()

    def finish(self, ctx, status: str) -> None:
        ctx.log(f"Toy count finished: {status}.")
