"""The regional read models. Holder identities are not here: only person ids, sex, birth year."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

ID = String(36)
DAY = String(10)

tracking = Table(
    "projection_tracking",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("position", Integer, nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("actor_type", String(40), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("joined_on", DAY, nullable=False),
    Column("left_on", DAY),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", ID, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("held_on", DAY, nullable=False),
    Column("members_present", Integer, nullable=False),
    Column("decisions", JSON, nullable=False),
)

resources = Table(
    "resources",
    metadata,
    Column("id", ID, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("link", String(500), nullable=False),
    Column("member_id", ID),
    Column("shared_on", DAY, nullable=False),
)

structures = Table(
    "structures",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("provinces", JSON, nullable=False),
    Column("registered_on", DAY, nullable=False),
    Column("drais_supports", Integer, nullable=False, default=0),
    Column("quality_score", Float),
    Column("quality_assessed_on", DAY),
)

offers = Table(
    "offers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("structure_id", ID, ForeignKey("structures.id"), nullable=False, index=True),
    Column("service_type", String(30), nullable=False),
    Column("phases", JSON, nullable=False),
    Column("provinces", JSON, nullable=False),
    Column("capacity_per_year", Integer, nullable=False),
    Column("free", Boolean, nullable=False),
    Column("published_on", DAY, nullable=False),
    Column("withdrawn_on", DAY),
)

# One row per (offer, province, phase): the coverage matrix sums these.
offer_cells = Table(
    "offer_cells",
    metadata,
    Column("offer_id", ID, primary_key=True),
    Column("province", String(10), primary_key=True),
    Column("phase", String(20), primary_key=True),
    Column("service_type", String(30), nullable=False),
    Column("capacity", Float, nullable=False),
)

initiatives = Table(
    "initiatives",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("theme", String(40), nullable=False, index=True),
    Column("province", String(10), nullable=False, index=True),
    Column("commune", String(120)),
    Column("phase", String(20), nullable=False, index=True),
    Column("holder_id", ID, nullable=False),
    Column("holder_gender", String(1), nullable=False),
    Column("holder_birth_year", Integer, nullable=False),
    Column("registered_on", DAY, nullable=False),
    Column("closed_on", DAY),
    Column("close_reason", String(20)),
    Column("funding_total", Float, nullable=False, default=0.0),
    Column("open_accompaniments", Integer, nullable=False, default=0),
    Column("updated_at", String(40), nullable=False),
)

accompaniments = Table(
    "accompaniments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("initiative_id", ID, nullable=False, index=True),
    Column("structure_id", ID, nullable=False, index=True),
    Column("offer_id", ID, nullable=False),
    Column("service_type", String(30), nullable=False),
    Column("phase", String(20), nullable=False),
    Column("started_on", DAY, nullable=False),
    Column("ended_on", DAY),
    Column("outcome", String(20)),
    Column("satisfaction", Integer),
    Column("sessions", Integer, nullable=False, default=0),
    Column("hours", Float, nullable=False, default=0.0),
)

timeline = Table(
    "timeline",
    metadata,
    Column("position", Integer, primary_key=True),
    Column("record_id", ID, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("event", String(60), nullable=False),
    Column("occurred_on", DAY),
    Column("recorded_at", String(40), nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("details", JSON, nullable=False),
)

persons = Table(
    "persons",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("gender", String(1), nullable=False),
    Column("birth_year", Integer, nullable=False),
    Column("initiative_id", ID),
    Column("province", String(10)),
    Column("consents", JSON, nullable=False),
    Column("erased", Boolean, nullable=False, default=False),
)

# Persons who oppose the processing of their data: left out of lists and exports.
oppositions = Table(
    "oppositions",
    metadata,
    Column("person_id", ID, primary_key=True),
    Column("since", DAY, nullable=False),
)

# Data-subject requests (law 09-08) and the deadline to answer them.
data_requests = Table(
    "data_requests",
    metadata,
    Column("id", ID, primary_key=True),
    Column("person_id", ID, nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("received_on", DAY, nullable=False),
    Column("due_on", DAY, nullable=False, index=True),
    Column("answered_on", DAY),
    Column("outcome", String(20)),
    Column("recorded_by", String(100), nullable=False),
)

trainings = Table(
    "trainings",
    metadata,
    Column("id", ID, primary_key=True),
    Column("topic", Text, nullable=False),
    Column("hours", Float, nullable=False),
    Column("held_on", DAY, nullable=False),
    Column("participants", Integer, nullable=False),
)

training_assessments = Table(
    "training_assessments",
    metadata,
    Column("training_id", ID, primary_key=True),
    Column("person_id", ID, primary_key=True),
    Column("before", Float, nullable=False),
    Column("after", Float, nullable=False),
)

# -- impact toolbox ---------------------------------------------------------------------

theories = Table(
    "theories_of_change",
    metadata,
    Column("id", ID, primary_key=True),
    Column("initiative_id", ID, nullable=False, unique=True),
    Column("revision", Integer, nullable=False),
    Column("indicator_codes", JSON, nullable=False),
    Column("content", JSON, nullable=False),
)

measurements = Table(
    "measurements",
    metadata,
    Column("id", ID, primary_key=True),
    Column("initiative_id", ID, nullable=False, index=True),
    Column("indicator_code", String(80), nullable=False),
    Column("value", Float, nullable=False),
    Column("period_start", DAY, nullable=False),
    Column("period_end", DAY, nullable=False),
    Column("disaggregation", JSON, nullable=False),
)

# One row per beneficiary: the baseline and the latest follow-up of the living-conditions survey.
surveys = Table(
    "surveys",
    metadata,
    Column("person_id", ID, primary_key=True),
    Column("initiative_id", ID, index=True),
    Column("province", String(10)),
    Column("scheme", String(40), nullable=False),
    Column("c_before", Float),
    Column("poor_before", Boolean),
    Column("c_after", Float),
    Column("poor_after", Boolean),
)

grids = Table(
    "grids",
    metadata,
    Column("id", ID, primary_key=True),
    Column("code", String(80), nullable=False),
    Column("title", String(200), nullable=False),
    Column("funder", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("impact_share", Float, nullable=False),
    Column("integrates_impact", Boolean, nullable=False),
)

funding_applications = Table(
    "funding_applications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("grid_id", ID, nullable=False, index=True),
    Column("applicant", String(200), nullable=False),
    Column("initiative_id", ID),
    Column("grid_version", Integer, nullable=False),
    Column("total", Float, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("reasons", JSON, nullable=False),
)

studies = Table(
    "studies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("policy", String(200), nullable=False),
    Column("territory", String(10), nullable=False),
    Column("method", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("results", JSON),
)
