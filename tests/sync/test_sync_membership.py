"""Membership through a real PostgreSQL hub (issue 11, spec H2).

The issue's bad input "a quota used on two workstations while offline": benefit uses are
ledger rows, never a synced counter, so two desks that each record the last home visit of
the year while the hub is out of reach both keep their use; after sync both desks count
5 of 4, the overdraft is listed for the director on both, and once the director has
marked it seen on one desk (and that desk synced) the other no longer lists it. And a
membership enrolled on one desk and renewed on the other, while the first records a
payment, arrives whole on both: every event and payment from both desks kept.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from clinic_desk.core.services import membership, patients
from clinic_desk.core.sync import engine, hub
from clinic_desk.core.sync.engine import SyncEngine
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.sync.attention import OVERDRAFT, AttentionTexts, load_attention
from tests.sync.conftest import Station, make_first, make_joiner


def _round(station: Station) -> engine.RoundResult:
    eng = SyncEngine(station.clinic)
    try:
        return eng.run_round()
    finally:
        eng.close()


def _settle(*stations: Station) -> None:
    """Rounds at every station until nothing moves (at most four passes)."""
    for _ in range(4):
        moved = 0
        for station in stations:
            result = _round(station)
            moved += result.pushed + result.pulled
        if not moved:
            return
    raise AssertionError("still moving after four passes of rounds")


def _offline(station: Station) -> None:
    """The hub is out of reach for this desk: a round fails and its work stays pending."""
    state = engine.load_state(station.clinic)
    assert state is not None
    dead = dataclasses.replace(state, url="postgresql://nobody@127.0.0.1:9/none")
    eng = SyncEngine(station.clinic, state=dead)
    try:
        with pytest.raises(hub.HubUnreachable):
            eng.run_round()
    finally:
        eng.close()


def _patient(station: Station, family: str, given: str, phone: str, born: date, sex: str):
    return patients.register_patient(
        station.clinic,
        station.director,
        family_name=family,
        given_name=given,
        phone=phone,
        sex=sex,
        birth_date=born,
    ).value


def _tier(station: Station, code: str) -> membership.TierView:
    (tier,) = [t for t in membership.list_tiers(station.clinic, station.director) if t.code == code]
    return tier


@pytest.fixture
def pair(tmp_path, hub_url):
    desk = make_first(tmp_path, hub_url)
    _round(desk)
    room = make_joiner(tmp_path, desk, "room", name="Dr Wang's room")
    yield desk, room
    desk.clinic.close()
    room.clinic.close()


def _home_visits(view: membership.MembershipView) -> membership.QuotaView:
    (quota,) = [q for q in view.quotas if q.benefit_key == "home_visits"]
    return quota


def test_h2_quota_used_on_two_workstations_while_offline(pair, qtbot):
    """H2, issue 11 bad input: "a quota used on two workstations while offline" (both
    recorded; the overdraft flagged to the director after sync)."""
    desk, room = pair
    today = desk.clinic.today()
    father = _patient(desk, "李", "建国", "13911110001", date(1975, 4, 2), "M")
    mother = _patient(desk, "王", "秀英", "13911110002", date(1977, 8, 19), "F")
    child = _patient(desk, "李", "小雨", "13911110003", date(2008, 1, 30), "F")
    advanced = _tier(desk, "advanced")
    assert advanced.benefit("home_visits").quota == 4  # the seed's allowance (H1)
    family = membership.enrol(
        desk.clinic,
        desk.director,
        membership.EnrolInput(
            tier_id=advanced.id,
            payer_id=father.id,
            members=(
                membership.MemberInput(mother.id, "spouse"),
                membership.MemberInput(child.id, "child"),
            ),
            starts_on=today - timedelta(days=60),
            payment=membership.PaymentInput(
                amount_cents=advanced.price_cents,
                paid_on=today - timedelta(days=60),
                method="wechat",
                receipt_no="HY2026000101",
            ),
        ),
    ).value
    for ago, who in ((50, father), (30, child), (10, mother)):
        membership.record_use(
            desk.clinic, desk.director, family.id, who.id, "home_visits",
            day=today - timedelta(days=ago), note="家庭医生上门",
        )  # fmt: skip
    _settle(desk, room)
    seen = membership.get(room.clinic, room.director, family.id)
    assert (_home_visits(seen).used, _home_visits(seen).left) == (3, 1)

    # The hub goes away; each desk books the year's last home visit for someone.
    _offline(desk)
    _offline(room)
    last_desk = membership.record_use(
        desk.clinic, desk.director, family.id, father.id, "home_visits", note="前台登记"
    ).value
    last_room = membership.record_use(
        room.clinic, room.director, family.id, child.id, "home_visits", note="诊室登记"
    ).value
    for last in (last_desk, last_room):  # each desk alone sees the allowance used up
        assert (last.used, last.left, last.overdrawn) == (4, 0, False)
    assert membership.overdrafts(desk.clinic, desk.director) == []  # nothing to see yet

    _settle(desk, room)
    for station in (desk, room):
        rows = membership.uses(station.clinic, station.director, family.id)
        assert len([u for u in rows if u.count > 0]) == 5  # neither desk's use was lost
        assert {u.note for u in rows} >= {"前台登记", "诊室登记"}
        quota = _home_visits(membership.get(station.clinic, station.director, family.id))
        assert (quota.used, quota.quota, quota.left, quota.overdrawn) == (5, 4, -1, True)
        (over,) = membership.overdrafts(station.clinic, station.director)
        assert (over.membership_id, over.benefit_key, over.used, over.quota) == (
            family.id,
            "home_visits",
            5,
            4,
        )
        assert over.card_no == family.card_no and over.payer_name == "李建国"
        assert over.first <= today <= over.last
        # Past the allowance now: a sixth use is refused, as anywhere (H2).
        with pytest.raises(membership.QuotaExhausted) as refused:
            membership.record_use(
                station.clinic, station.director, family.id, mother.id, "home_visits"
            )
        assert (refused.value.used, refused.value.quota) == (5, 4)
        # Issue 7: the director's "needs attention" list at the desk names it, with a
        # button to the membership.
        listed = [
            i for i in load_attention(station.clinic, station.director).items
            if i.kind == OVERDRAFT
        ]
        assert [(i.ids, i.used, i.quota, i.who, i.record_no) for i in listed] == [
            ((family.id,), 5, 4, "李建国", family.card_no)
        ]
        ctx = AppContext(station.clinic)
        ctx.set_actor(station.director)
        texts = AttentionTexts(ctx)
        assert texts.sentence(listed[0], today).startswith(
            f"Family-doctor home visits of 李建国's membership (card {family.card_no}) used 5 "
            "times of 4"
        )
        assert texts.action(listed[0], today) == (
            "Open the membership", "membership", ("open", family.id)
        )

    # The director reviews it in the room; after a sync the desk no longer lists it.
    membership.mark_overdraft_seen(room.clinic, room.director, family.id, "home_visits", over.first)
    assert membership.overdrafts(room.clinic, room.director) == []
    assert len(membership.overdrafts(desk.clinic, desk.director)) == 1  # not synced yet
    _settle(room, desk)
    assert membership.overdrafts(desk.clinic, desk.director) == []
    assert not [
        i for i in load_attention(desk.clinic, desk.director).items if i.kind == OVERDRAFT
    ]
    quota = _home_visits(membership.get(desk.clinic, desk.director, family.id))
    assert quota.used == 5  # seen, not undone: the ledger keeps both uses


def test_h2_enrolled_on_one_desk_renewed_on_the_other(pair):
    """H2: an enrolment at the desk and a renewal in the room, while the desk records a
    payment, arrive intact on both: every event and payment of both desks kept."""
    desk, room = pair
    today = desk.clinic.today()
    payer = _patient(desk, "陈", "静", "13922220001", date(1969, 11, 5), "F")
    basic = _tier(desk, "basic")
    enrolled = membership.enrol(
        desk.clinic,
        desk.director,
        membership.EnrolInput(
            tier_id=basic.id,
            payer_id=payer.id,
            starts_on=today - timedelta(days=340),
            payment=membership.PaymentInput(
                amount_cents=basic.price_cents,
                paid_on=today - timedelta(days=340),
                method="cash",
                receipt_no="HY2025000777",
            ),
        ),
    ).value
    assert enrolled.renewal_due  # ends within the reminder window
    _settle(desk, room)

    # Offline: the room renews it for a year; the desk records a late receipt's payment.
    _offline(desk)
    _offline(room)
    renewed = membership.renew(
        room.clinic,
        room.director,
        enrolled.id,
        payment=membership.PaymentInput(
            amount_cents=basic.price_cents, paid_on=today, method="alipay",
            receipt_no="HY2026000888",
        ),
    ).value  # fmt: skip
    assert not renewed.lapsed and renewed.from_day == enrolled.ends_on + timedelta(days=1)
    membership.record_payment(
        desk.clinic,
        desk.director,
        enrolled.id,
        membership.PaymentInput(
            amount_cents=2000, paid_on=today, method="card", receipt_no="HY2026000889",
            note="补卡工本费",
        ),
    )  # fmt: skip

    _settle(desk, room)
    views = [membership.get(s.clinic, s.director, enrolled.id) for s in (desk, room)]
    for view in views:
        assert view.ends_on == renewed.view.ends_on > enrolled.ends_on
        assert view.status == "active" and not view.renewal_due
        assert view.card_no == enrolled.card_no
    kinds = [
        sorted(e.kind for e in membership.events(s.clinic, s.director, enrolled.id))
        for s in (desk, room)
    ]
    assert kinds[0] == kinds[1]
    assert {"enrol", "renew"} <= set(kinds[0])
    for station in (desk, room):
        receipts = sorted(
            p.receipt_no for p in membership.payments(station.clinic, station.director, enrolled.id)
        )
        assert receipts == ["HY2025000777", "HY2026000888", "HY2026000889"]
        (found,) = membership.search(station.clinic, station.director, text="陈静")
        assert found.membership_id == enrolled.id and found.ends_on == renewed.view.ends_on
