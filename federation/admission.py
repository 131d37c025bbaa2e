"""Admitting a region: its public signing key, so its messages are accepted (and D5 counts it).

The region's public file (printed by `drais region init`) is JSON with `region`, `name`,
`verify_key` (Ed25519, hex) and, when NATS runs with authentication, `nats_user` (its NKey
public key). Nothing secret is in it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from sqlalchemy import Engine, insert, select, update

from drais.keys import key_id
from federation import contract
from federation.store import regions


class AdmissionError(ValueError):
    pass


class RegionCard(BaseModel):
    """What a region hands to the national administrator."""

    model_config = ConfigDict(extra="forbid")

    region: contract.Region
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    verify_key: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    nats_user: Annotated[str, StringConstraints(pattern=r"^U[A-Z2-7]{55}$")] | None = None

    @property
    def kid(self) -> str:
        return key_id(self.region, bytes.fromhex(self.verify_key))


def read_card(path: Path) -> RegionCard:
    try:
        return RegionCard.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except OSError as error:
        raise AdmissionError(f"cannot read {path}: {error.strerror}") from error
    except ValueError as error:
        detail = error.errors()[0] if isinstance(error, ValidationError) else None
        reason = f"{'.'.join(map(str, detail['loc']))}: {detail['msg']}" if detail else str(error)
        raise AdmissionError(f"{path} is not a region's public file ({reason})") from error


def admit(engine: Engine, card: RegionCard, now: datetime | None = None) -> bool:
    """Register or re-key a region; returns True when it was not admitted before. A new key
    keeps the region's chain position: key rotation does not restart its seq."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        known = conn.execute(select(regions.c.region).where(regions.c.region == card.region))
        if known.first() is not None:
            conn.execute(
                update(regions)
                .where(regions.c.region == card.region)
                .values(name=card.name, public_key=card.verify_key, kid=card.kid)
            )
            return False
        conn.execute(
            insert(regions).values(
                region=card.region,
                name=card.name,
                public_key=card.verify_key,
                kid=card.kid,
                admitted_at=now,
                last_seq=0,
                head=contract.GENESIS,
                announced_seq=0,
                chain_ok=True,
            )
        )
        return True
