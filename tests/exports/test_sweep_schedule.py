"""Expired export files go by themselves: every qcluster runs the sweep each hour."""

from django_q.models import Schedule


def test_every_qcluster_sweeps_expired_exports_every_hour(db):
    sweep = Schedule.objects.get(func="exports.tasks.export_sweep_task")
    assert (sweep.schedule_type, sweep.repeats) == (Schedule.HOURLY, -1)
