"""The patient registry and the clinical record (spec C1-C5, D1; issue 4).

Revision ID: 0003_records
Revises: 0002_patients
Create Date: 2026-11-29 13:41:07.207619
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clinic_desk.core.store.base import UTCDateTime

revision = "0003_records"
down_revision = "0002_patients"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allergy",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("substance", sa.String(length=200), nullable=False),
        sa.Column("reaction", sa.String(length=500), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.Uuid(), nullable=True),
        sa.Column("end_reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_allergy_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allergy")),
    )
    with op.batch_alter_table("allergy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allergy_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "assessment",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("assessed_at", UTCDateTime(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("risk_level", sa.String(length=16), nullable=False),
        sa.Column("recommendations", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("corrects_id", sa.Uuid(), nullable=True),
        sa.Column("correction_reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["corrects_id"], ["assessment.id"], name=op.f("fk_assessment_corrects_id_assessment")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_assessment_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "condition",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("icd10", sa.String(length=10), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.Uuid(), nullable=True),
        sa.Column("end_reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_condition_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_condition")),
    )
    with op.batch_alter_table("condition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_condition_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "contact_log",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_contact_log_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_log")),
    )
    with op.batch_alter_table("contact_log", schema=None) as batch_op:
        batch_op.create_index("ix_contact_log_patient_id_at", ["patient_id", "at"], unique=False)

    op.create_table(
        "medication",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("drug", sa.String(length=200), nullable=False),
        sa.Column("dose", sa.String(length=100), nullable=False),
        sa.Column("frequency", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("prescription_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.Uuid(), nullable=True),
        sa.Column("end_reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_medication_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medication")),
    )
    with op.batch_alter_table("medication", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_medication_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "patient_search_key",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_patient_search_key_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("key", "patient_id", "kind", name=op.f("pk_patient_search_key")),
    )
    with op.batch_alter_table("patient_search_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_search_key_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "referral",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("attachment_ids", sa.Text(), nullable=False),
        sa.Column("referred_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("handled_at", UTCDateTime(), nullable=True),
        sa.Column("handled_by", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_referral_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "visit",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("doctor_id", sa.Uuid(), nullable=True),
        sa.Column("visit_at", UTCDateTime(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("chief_complaint", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("diagnosis", sa.Text(), nullable=False),
        sa.Column("icd10", sa.String(length=10), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("corrects_id", sa.Uuid(), nullable=True),
        sa.Column("correction_reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["corrects_id"], ["visit.id"], name=op.f("fk_visit_corrects_id_visit")
        ),
        sa.ForeignKeyConstraint(["doctor_id"], ["staff.id"], name=op.f("fk_visit_doctor_id_staff")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_visit_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visit_doctor_id_visit_at", ["doctor_id", "visit_at"], unique=False
        )
        batch_op.create_index(
            "ix_visit_patient_id_visit_at", ["patient_id", "visit_at"], unique=False
        )

    op.create_table(
        "attachment",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_attachment_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_attachment_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "prescription",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("prescriber_id", sa.Uuid(), nullable=True),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("warnings_json", sa.Text(), nullable=False),
        sa.Column("override_reason", sa.String(length=500), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_prescription_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["prescriber_id"], ["staff.id"], name=op.f("fk_prescription_prescriber_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_prescription_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescription")),
    )
    with op.batch_alter_table("prescription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prescription_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "vital_signs",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("taken_at", UTCDateTime(), nullable=False),
        sa.Column("systolic", sa.Integer(), nullable=True),
        sa.Column("diastolic", sa.Integer(), nullable=True),
        sa.Column("pulse", sa.Integer(), nullable=True),
        sa.Column("temperature_c", sa.Float(), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("height_cm", sa.Float(), nullable=True),
        sa.Column("spo2", sa.Integer(), nullable=True),
        sa.Column("respiration", sa.Integer(), nullable=True),
        sa.Column("glucose_mmol", sa.Float(), nullable=True),
        sa.Column("confirmed_unusual", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("corrects_id", sa.Uuid(), nullable=True),
        sa.Column("correction_reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["corrects_id"], ["vital_signs.id"], name=op.f("fk_vital_signs_corrects_id_vital_signs")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_vital_signs_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_vital_signs_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vital_signs")),
    )
    with op.batch_alter_table("vital_signs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vital_signs_patient_id_taken_at", ["patient_id", "taken_at"], unique=False
        )

    op.create_table(
        "pharmacy_guidance",
        sa.Column("prescription_id", sa.Uuid(), nullable=False),
        sa.Column("pharmacist_id", sa.Uuid(), nullable=True),
        sa.Column("given_at", UTCDateTime(), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["prescription_id"],
            ["prescription.id"],
            name=op.f("fk_pharmacy_guidance_prescription_id_prescription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pharmacy_guidance")),
    )
    with op.batch_alter_table("pharmacy_guidance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pharmacy_guidance_prescription_id"), ["prescription_id"], unique=False
        )

    op.create_table(
        "prescription_item",
        sa.Column("prescription_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("drug", sa.String(length=200), nullable=False),
        sa.Column("strength", sa.String(length=50), nullable=False),
        sa.Column("dose", sa.String(length=50), nullable=False),
        sa.Column("route", sa.String(length=32), nullable=False),
        sa.Column("frequency", sa.String(length=32), nullable=False),
        sa.Column("timing", sa.String(length=32), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.String(length=50), nullable=False),
        sa.Column("cautions", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["prescription_id"],
            ["prescription.id"],
            name=op.f("fk_prescription_item_prescription_id_prescription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescription_item")),
    )
    with op.batch_alter_table("prescription_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prescription_item_prescription_id"), ["prescription_id"], unique=False
        )

    with op.batch_alter_table("clinical_note", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrects_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_clinical_note_corrects_id_clinical_note"),
            "clinical_note",
            ["corrects_id"],
            ["id"],
        )

    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("record_no", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("phone2", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("id_kind", sa.String(length=24), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("id_number", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("address", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("occupation", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("title", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("email", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("wechat", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("qq", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("contact_channels", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("source_channel", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("special_needs", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("emergency_name", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("emergency_relation", sa.String(length=50), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("emergency_phone", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("desk_notes", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("honorific_override", sa.String(length=50), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("merged_into", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("updated_by", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_patient_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_patient_record_no"), ["record_no"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_patient_merged_into_patient"), "patient", ["merged_into"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_patient_merged_into_patient"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_patient_record_no"))
        batch_op.drop_index(batch_op.f("ix_patient_id_number"))
        batch_op.drop_column("updated_by")
        batch_op.drop_column("merged_into")
        batch_op.drop_column("honorific_override")
        batch_op.drop_column("desk_notes")
        batch_op.drop_column("emergency_phone")
        batch_op.drop_column("emergency_relation")
        batch_op.drop_column("emergency_name")
        batch_op.drop_column("special_needs")
        batch_op.drop_column("source_channel")
        batch_op.drop_column("contact_channels")
        batch_op.drop_column("qq")
        batch_op.drop_column("wechat")
        batch_op.drop_column("email")
        batch_op.drop_column("title")
        batch_op.drop_column("occupation")
        batch_op.drop_column("address")
        batch_op.drop_column("id_number")
        batch_op.drop_column("id_kind")
        batch_op.drop_column("phone2")
        batch_op.drop_column("record_no")

    with op.batch_alter_table("clinical_note", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_clinical_note_corrects_id_clinical_note"), type_="foreignkey"
        )
        batch_op.drop_column("corrects_id")

    with op.batch_alter_table("prescription_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prescription_item_prescription_id"))

    op.drop_table("prescription_item")
    with op.batch_alter_table("pharmacy_guidance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pharmacy_guidance_prescription_id"))

    op.drop_table("pharmacy_guidance")
    with op.batch_alter_table("vital_signs", schema=None) as batch_op:
        batch_op.drop_index("ix_vital_signs_patient_id_taken_at")

    op.drop_table("vital_signs")
    with op.batch_alter_table("prescription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prescription_patient_id"))

    op.drop_table("prescription")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_patient_id"))

    op.drop_table("attachment")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_patient_id_visit_at")
        batch_op.drop_index("ix_visit_doctor_id_visit_at")

    op.drop_table("visit")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_patient_id"))

    op.drop_table("referral")
    with op.batch_alter_table("patient_search_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_search_key_patient_id"))

    op.drop_table("patient_search_key")
    with op.batch_alter_table("medication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medication_patient_id"))

    op.drop_table("medication")
    with op.batch_alter_table("contact_log", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_log_patient_id_at")

    op.drop_table("contact_log")
    with op.batch_alter_table("condition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_condition_patient_id"))

    op.drop_table("condition")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_patient_id"))

    op.drop_table("assessment")
    with op.batch_alter_table("allergy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allergy_patient_id"))

    op.drop_table("allergy")
