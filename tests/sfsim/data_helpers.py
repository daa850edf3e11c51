"""Helpers for the sfsim data-engine tests: a Simulator with its default org and users."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sfsim.store import Simulator

DATA = Path(__file__).parent / "data"


@dataclass
class World:
    sim: Simulator
    org: object
    admin: object
    standard: object


def make_world(tmp_path) -> World:
    sim = Simulator(tmp_path)
    org = sim.ensure_default_org()
    admin = sim.find_user("admin@sfsim.sfsim")[1]
    standard = sim.find_user("standard@sfsim.sfsim")[1]
    return World(sim, org, admin, standard)


def records(org, soql: str, user, include_deleted: bool = False) -> list[dict]:
    cursor = org.query(soql, include_deleted=include_deleted, user=user)
    out = []
    done = False
    while not done:
        page, done = cursor.next_page()
        out.extend(page)
    return out
