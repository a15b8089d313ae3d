"""Signed configuration — access rights, the petition routing table, the agency hierarchy
and policies — changes only as the hub's operator: its principal ``hub:CODE`` or the local
CLI holding the hub key (``cli:<key id>``); one guard for all three (issue 10 item 2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aggregates.petition import Route
from aggregates.principals import is_operator_actor
from hub.application.errors import AccessDenied
from hub.application.hub import TabadolHub
from hub.application.rights import AccessRightsUseCases

CHANGES: dict[str, Callable[[TabadolHub, str], object]] = {
    "rights": lambda hub, by: AccessRightsUseCases(hub).grant(
        "agency:MOJ", "service:tabadol.servicedesk.v1.ServiceDeskService", by=by, reason="t"
    ),
    "routing": lambda hub, by: hub.petitions.configure_petition_routing(
        Route("MYGOV", "میز خدمت"), {"shares": Route("IPO", "سهام")}, by=by
    ),
    "policies": lambda hub, by: hub.consultations.configure_policy(
        parents={"GUILDS": "MSRT"}, minimum_days={"MSRT": 30}, by=by
    ),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize(
    "by", ["MOJ", "TABADOL", "agency:TABADOL", "window:MYGOV", "auditor:DIWAN", "cli:", "hub"]
)
def test_anyone_but_the_operator_is_refused_and_nothing_changes(
    participating: TabadolHub, change: str, by: str
) -> None:
    before = participating.recorder.max_notification_id()
    with pytest.raises(AccessDenied, match="only the hub's operator"):
        CHANGES[change](participating, by)
    assert participating.recorder.max_notification_id() == before


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("by", ["hub:TABADOL", "cli:hub-0123abcd"])
def test_the_operator_principal_and_the_local_cli_change_it(
    participating: TabadolHub, change: str, by: str
) -> None:
    before = participating.recorder.max_notification_id() or 0
    CHANGES[change](participating, by)
    assert (participating.recorder.max_notification_id() or 0) > before


def test_operator_actors() -> None:
    assert is_operator_actor("hub:TABADOL") and is_operator_actor("cli:hub-1")
    assert not any(map(is_operator_actor, ("hub:", "hub:tabadol", "MOJ", "seed:x", "")))
