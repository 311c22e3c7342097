"""Clinic settings: the spec's numbers are settings with the seed's defaults."""

from __future__ import annotations

import pytest

from clinic_desk.core import settings_catalog
from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.services import settings, staff
from tests.conftest import ClinicFixture


def test_spec_defaults() -> None:
    d = settings_catalog.default_values()
    assert d["reception.wait_alert_minutes"] == 15  # spec B4
    assert d["appointments.booking_cutoff"] == "16:00"  # spec A5
    assert d["appointments.next_day_list_time"] == "16:30"  # spec A8
    assert d["complaints.close_days"] == 7 and d["complaints.rectify_days"] == 15  # spec F4
    assert d["complaints.contact_within_hours"] == 2  # spec F4 (002)
    assert d["quality.satisfaction_target_percent"] == 95  # spec G2
    assert d["security.lockout_failures"] == 5 and d["security.idle_lock_minutes"] == 10


def test_setup_values_are_stored(cf: ClinicFixture) -> None:
    values = settings.get_settings(cf.clinic, cf.director)
    assert values["clinic.name"] == "仁和诊所"
    assert values["clinic.timezone"] == "Asia/Shanghai"


def test_update_validates_all_before_writing_any(cf: ClinicFixture) -> None:
    with pytest.raises(ValidationError):
        settings.update_settings(
            cf.clinic, cf.director,
            {"reception.wait_alert_minutes": 20, "appointments.booking_cutoff": "25:00"},
        )
    assert cf.clinic.setting("reception.wait_alert_minutes") == 15
    changes = settings.update_settings(
        cf.clinic, cf.director,
        {"reception.wait_alert_minutes": "20", "appointments.booking_cutoff": "9:30"},
    )
    assert changes.topics
    cf.reopen()
    assert cf.clinic.setting("reception.wait_alert_minutes") == 20
    assert cf.clinic.setting("appointments.booking_cutoff") == "09:30"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("reception.wait_alert_minutes", "abc"),
        ("reception.wait_alert_minutes", 0),
        ("reception.wait_alert_minutes", 10**9),
        ("backup.daily_enabled", "yes"),
        ("clinic.language", "fr"),
        ("clinic.name", "诊" * 201),
        ("no.such.setting", 1),
        ("clinic.name", "   "),
        ("clinic.timezone", "Mars/Olympus"),
        ("clinic.timezone", "../../etc/passwd"),
        ("outbox.send_from", "23:00"),
    ],
)
def test_bad_values_get_a_sentence(cf: ClinicFixture, key: str, value: object) -> None:
    with pytest.raises(ValidationError) as err:
        settings.update_settings(cf.clinic, cf.director, {key: value})
    assert err.value.message().endswith(".")


def test_only_director_edits(cf: ClinicFixture) -> None:
    staff.add_staff(cf.clinic, cf.director, login="doc", display_name="医生", role="doctor",
                    password="doctor-pass-1")
    doc = staff.sign_in(cf.clinic, "doc", "doctor-pass-1")
    assert settings.get_settings(cf.clinic, doc)["clinic.name"] == "仁和诊所"
    with pytest.raises(PermissionDenied):
        settings.update_settings(cf.clinic, doc, {"reception.wait_alert_minutes": 30})
