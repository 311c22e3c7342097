"""The demo clinic's memberships (issue 11): what the director and the desk see in it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.services import demo, followups, membership, rosters, staff
from clinic_desk.core.services.audit_log import verify_audit


def test_h1_h2_demo_memberships(tmp_path: Path) -> None:
    """H1-H2: the seed tiers, families, a care team, renewals due and lapsed members,
    a suspended one, and one home-visit allowance overdrawn as two desks offline leave
    it, for the director to review."""
    clinic, _summary = demo.build_demo_clinic(
        tmp_path / "demo", patients=300, years=0.5, kdf=KdfParams.floor()
    )
    try:
        director = staff.sign_in(clinic, demo.DEMO_DIRECTOR_LOGIN, demo.DEMO_PASSWORD)
        service = staff.sign_in(clinic, "guo.jia", demo.DEMO_PASSWORD)
        tiers = membership.list_tiers(clinic, director)
        assert [t.code for t in tiers] == ["basic", "advanced", "premium"]
        items = membership.search(clinic, service, status="all")
        assert 23 <= len(items) <= 27
        statuses = Counter(i.status for i in items)
        assert statuses["suspended"] == 1 and statuses["expired"] >= 3
        assert statuses["active"] >= 18
        assert all(i.card_no and membership.normalise_card_no(i.card_no) for i in items)
        views = [membership.get(clinic, service, i.membership_id) for i in items]
        families = [v for v in views if len(v.members) == 3]
        assert len(families) >= 5
        assert all({m.relation for m in f.members} == {"self", "spouse", "child"} for f in families)
        butlers = [v for v in views if v.tier.code == "premium"]
        assert len(butlers) == 2
        for butler in butlers:
            assert {c.role for c in butler.care_team} == {"doctor", "nutritionist", "trainer"}
            assert all(c.name for c in butler.care_team)
        for view in views:
            paid = membership.payments(clinic, service, view.id)
            assert paid and all(p.receipt_no.startswith("HY") for p in paid)
        assert sum(1 for v in views if any(e.kind == "renew" for e in
                   membership.events(clinic, service, v.id))) == 1  # fmt: skip
        assert any(v.tier.code == "advanced" and any(
            e.kind == "upgrade" for e in membership.events(clinic, service, v.id)
        ) for v in views)  # fmt: skip

        # The director: renewals due, lapsed members, the overdraft after "sync".
        due = membership.renewals_due(clinic, director)
        assert len(due) == 2 and all(0 <= d.days_left <= 30 for d in due)
        assert len(membership.lapsed(clinic, director)) == 3
        (over,) = membership.overdrafts(clinic, director)
        assert (over.benefit_key, over.used, over.quota) == ("home_visits", 5, 4)
        uses = membership.uses(clinic, director, over.membership_id)
        assert len({u.by_name for u in uses}) == 2  # two desks recorded them
        # Customer service calls the two due a renewal (prepare_worklist).
        tasks = followups.worklist(clinic, service, who="my_role", kinds=("renewal",)).items
        assert {t.patient_id for t in tasks} == {d.payer_id for d in due}
        # The home-visit appointment type books against the allowance.
        (home,) = [
            t for t in rosters.list_appointment_types(clinic, director)
            if t.name == demo.DEMO_HOME_VISIT
        ]  # fmt: skip
        assert home.benefit_key == "home_visits"
        assert verify_audit(clinic).ok
    finally:
        clinic.close()
