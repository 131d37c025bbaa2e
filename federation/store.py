"""The federation's own records: admitted regions, the national log and the dead letters.

The national log keeps every accepted message's exact bytes, unique by (region, seq): it is
the truth the national projections are rebuilt from, and a second delivery of the same message
cannot be applied twice because its row already exists.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

regions = Table(
    "regions",
    metadata,
    Column("region", String(5), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("kid", String(64), nullable=False),
    # The region's NATS user (public NKey) the server configuration admits, if any.
    Column("nats_user", String(56)),
    Column("admitted_at", DateTime(timezone=True), nullable=False),
    Column("last_seq", Integer, nullable=False, default=0),
    Column("head", String(64), nullable=False),
    Column("last_message_at", DateTime(timezone=True)),
    # The region's own word on its chain head, from its latest heartbeat.
    Column("announced_seq", Integer, nullable=False, default=0),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("chain_ok", Boolean, nullable=False, default=True),
    Column("gap_from", Integer),
    Column("resend_requested_at", DateTime(timezone=True)),
)

national_log = Table(
    "national_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("region", String(5), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(60), nullable=False),
    Column("month", String(7), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("region", "seq", name="national_log_region_seq"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("region", String(5)),
    Column("subject", String(200), nullable=False),
    Column("seq", Integer),
    Column("reason", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("details", JSON),
)
