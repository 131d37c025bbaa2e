"""The national indicators of DESIGN §6, computed from the national projections.

Each indicator is one function below (`_d1` … `_t3`): its formula lives there and nowhere
else. Every indicator answers the same shape::

    {"code", "label", "definition", "formula", "unit", "methodology", "trend_note",
     "national":   {"value": headline, ...details}      # or {"suppressed": true, ...}
     "by_region":  {"MA-01": {"value": ..., ...}, ...}  # all 12 regions, same rule
     "breakdowns": {name: ...},
     "trend":      [{"month": "YYYY-MM", "value": ...} | {"month", "suppressed": true}]}

Disclosure control (federation/disclosure.py) applies to counts of persons — holders,
beneficiaries, professionals — and to every figure derived from them (rates, means, hours
per person): a hidden figure is `{"suppressed": true, "reason": ...}` with no `value` key.
Counts of regions and organisations (members, structures, offers, initiatives as projects,
grids, studies) are public facts and shown as they are.

Only `now` tells the time (D5's 30-day window and the end of the trends): nothing here reads
the clock.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, select

from drais import territory
from drais.vocabulary import (
    LATE_PHASES,
    ActorType,
    Gender,
    InitiativeClosure,
    Phase,
    Role,
    ServiceType,
    StructureKind,
    StudyMethod,
    StudyStatus,
    Theme,
)
from federation import disclosure
from federation import projections as p
from federation.store import national_log, regions

REGIONS: tuple[str, ...] = tuple(territory.regions())
PHASES: tuple[str, ...] = tuple(phase.value for phase in Phase)
SERVICES: tuple[str, ...] = tuple(service.value for service in ServiceType)
SEXES: tuple[str, ...] = tuple(sex.value for sex in Gender)
AGE_BANDS: tuple[str, ...] = ("<18", "18-24", "25-34", "35-44", "45-59", "60+")
LATE: frozenset[str] = frozenset(phase.value for phase in LATE_PHASES)
ACTIVE_DAYS = 30
TREND_MONTHS = 12
RATE_DIGITS = 4
MEAN_DIGITS = 2

Row = RowMapping
Figures = dict[str, Any]


# -- small helpers -----------------------------------------------------------------------------


def _rows(conn: Connection, table: Table) -> list[Row]:
    """All rows of a projection, in primary-key order (so float sums are reproducible)."""
    return list(conn.execute(select(table).order_by(*table.primary_key.columns)).mappings().all())


def _month(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _shift(month: str, months: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _window(now: datetime, data_months: Iterable[str | None]) -> list[str]:
    """The trend's months: all history, and at least the last 12 months up to `now`."""
    found = [month for month in data_months if month]
    current = _month(now)
    month, end = min([_shift(current, 1 - TREND_MONTHS), *found]), max([current, *found])
    series = []
    while month <= end:
        series.append(month)
        month = _shift(month, 1)
    return series


def _hidden(reason: disclosure.Reason | None) -> dict[str, Any]:
    return {"suppressed": True, "reason": str(reason)}


def _shown(cell: disclosure.Cell) -> dict[str, Any]:
    """A protected count as `{"value": n}`, or the suppression mark."""
    return {"value": cell.value} if cell.value is not None else _hidden(cell.reason)


def _share(numerator: int, denominator: int) -> float | None:
    """A public share (of organisations or projects): no disclosure control."""
    return round(numerator / denominator, RATE_DIGITS) if denominator else None


def _mean(total: float, n: int) -> float | None:
    return round(total / n, MEAN_DIGITS) if n else None


def _share_mean(shares: Sequence[float]) -> float | None:
    return round(sum(shares) / len(shares), RATE_DIGITS) if shares else None


def _rate(numerator: int, denominator: int) -> dict[str, Any]:
    """A rate of persons with its 95 % Wilson interval, published only when both the persons
    counted and those not counted number at least the threshold."""
    denominator = max(denominator, 0)
    numerator = min(max(numerator, 0), denominator)
    protected = disclosure.protect_rate(numerator, denominator)
    if protected.value is None:
        return _hidden(protected.reason)
    rate = numerator / denominator
    # statsmodels (with scipy and pandas) takes over a second to import: only where a rate
    # is published, not whenever the federation or a command starts.
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(numerator, denominator, alpha=0.05, method="wilson")
    return {
        "value": round(rate, RATE_DIGITS),
        "ci_low": round(max(0.0, min(float(low), rate)), RATE_DIGITS),
        "ci_high": round(min(1.0, max(float(high), rate)), RATE_DIGITS),
    }


def _per_region(rows: Iterable[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {code: [] for code in REGIONS}
    for row in rows:
        grouped.setdefault(row["region"], []).append(row)
    return grouped


def _counts(values: Iterable[str], keys: Sequence[str]) -> dict[str, int]:
    counted = Counter(values)
    return {key: counted.get(key, 0) for key in keys}


def _cumulative(months: Sequence[str], starts: Iterable[str | None]) -> list[dict[str, Any]]:
    """Cumulative count, at the end of each month, of things that started in or before it."""
    started = Counter(start for start in starts if start)
    running, series = sum(n for month, n in started.items() if month < months[0]), []
    for month in months:
        running += started.get(month, 0)
        series.append({"month": month, "value": running})
    return series


def _open_at(month: str, start: str | None, end: str | None) -> bool:
    """Started by the end of `month` and not ended by then."""
    return start is not None and start <= month and (end is None or end > month)


# -- D1 ----------------------------------------------------------------------------------------


def _d1(conn: Connection, now: datetime) -> Figures:
    """Alliance members, cumulative net of departures."""
    rows = _rows(conn, p.members)
    active = [row for row in rows if row["left_month"] is None]
    grouped = _per_region(active)
    types = [t.value for t in ActorType]
    months = _window(now, [r["joined_month"] for r in rows] + [r["left_month"] for r in rows])
    return {
        "national": {"value": len(active), "joined": len(rows), "left": len(rows) - len(active)},
        "by_region": {code: {"value": len(members)} for code, members in grouped.items()},
        "breakdowns": {
            "actor_type": _counts((r["actor_type"] for r in active), types),
            "role": _counts((r["role"] for r in active), [role.value for role in Role]),
            "region_actor_type": {
                code: _counts((r["actor_type"] for r in members), types)
                for code, members in grouped.items()
            },
        },
        "trend": [
            {
                "month": month,
                "value": sum(_open_at(month, r["joined_month"], r["left_month"]) for r in rows),
            }
            for month in months
        ],
    }


# -- D2 ----------------------------------------------------------------------------------------


def _d2(conn: Connection, now: datetime) -> Figures:
    """Open offers; quality (assessment score and holders' satisfaction); structures supported."""
    offers = _rows(conn, p.offers)
    structures = _rows(conn, p.structures)
    ended = [r for r in _rows(conn, p.accompaniments) if r["satisfaction"] is not None]
    open_offers = [r for r in offers if r["withdrawn_month"] is None]
    supported = {(r["region"], r["subject"]) for r in structures if r["supported_month"]}

    # Satisfaction is a figure about persons (holders): shown only where its count of answers is.
    answers = disclosure.protect_counts(
        {code: len(rows) for code, rows in _per_region(ended).items()}, keys=REGIONS
    )

    def satisfaction(rows: list[Row], cell: disclosure.Cell) -> dict[str, Any]:
        if cell.value is None:
            return _hidden(cell.reason)
        return {"value": _mean(sum(r["satisfaction"] for r in rows), len(rows)), "n": len(rows)}

    def summary(
        offer_rows: list[Row], structure_rows: list[Row], answers: list[Row], cell: disclosure.Cell
    ) -> dict[str, Any]:
        open_rows = [r for r in offer_rows if r["withdrawn_month"] is None]
        assessed = [r["quality_score"] for r in structure_rows if r["quality_score"] is not None]
        return {
            "value": len(open_rows),
            "offers_published": len(offer_rows),
            "offers_withdrawn": len(offer_rows) - len(open_rows),
            "offers_of_supported_structures": sum(
                (r["region"], r["structure"]) in supported for r in open_rows
            ),
            "capacity_per_year": sum(r["capacity_per_year"] for r in open_rows),
            "structures": len(structure_rows),
            "structures_supported": sum(bool(r["supported_month"]) for r in structure_rows),
            "structures_assessed": len(assessed),
            "quality_score": _mean(sum(assessed), len(assessed)),
            "satisfaction": satisfaction(answers, cell),
        }

    by_offer, by_structure, by_answer = (
        _per_region(offers),
        _per_region(structures),
        _per_region(ended),
    )
    criteria: dict[str, list[int]] = defaultdict(list)
    for row in structures:
        for criterion, score in (row["quality_scores"] or {}).items():
            criteria[criterion].append(score)
    months = _window(now, [r["published_month"] for r in offers])
    return {
        "national": summary(offers, structures, ended, answers.total),
        "by_region": {
            code: summary(by_offer[code], by_structure[code], by_answer[code], answers.cells[code])
            for code in REGIONS
        },
        "breakdowns": {
            "service_type": _counts((r["service_type"] for r in open_offers), SERVICES),
            "phase": {ph: sum(ph in r["phases"] for r in open_offers) for ph in PHASES},
            "province": dict(
                sorted(Counter(pr for r in open_offers for pr in r["provinces"]).items())
            ),
            "free": {
                "gratuit": sum(r["free"] for r in open_offers),
                "payant": sum(not r["free"] for r in open_offers),
            },
            "structure_kind": _counts(
                (r["kind"] for r in structures), [k.value for k in StructureKind]
            ),
            "quality_criterion": {
                criterion: _mean(sum(scores), len(scores))
                for criterion, scores in sorted(criteria.items())
            },
        },
        "trend": [
            {
                "month": month,
                "value": sum(
                    _open_at(month, r["published_month"], r["withdrawn_month"]) for r in offers
                ),
            }
            for month in months
        ],
    }


# -- D3 ----------------------------------------------------------------------------------------


def _d3(conn: Connection, now: datetime) -> Figures:
    """Initiatives accompanied: by current phase, progression to validation/croissance,
    survival. Initiatives are projects, so these counts and shares are public."""
    rows = _rows(conn, p.initiatives)
    accompanied = [r for r in rows if r["accompanied_month"]]

    def summary(registered: list[Row]) -> dict[str, Any]:
        followed = [r for r in registered if r["accompanied_month"]]
        early = [r for r in followed if r["registered_phase"] not in LATE]
        progressed = sum(bool(r["reached_late_month"]) for r in early)
        abandoned = sum(r["close_reason"] == InitiativeClosure.ABANDON for r in followed)
        return {
            "value": len(followed),
            "registered": len(registered),
            "by_phase": _counts((r["phase"] for r in followed), PHASES),
            "progression": {
                "value": _share(progressed, len(early)),
                "progressed": progressed,
                "eligible": len(early),
            },
            "survival": {
                "value": _share(len(followed) - abandoned, len(followed)),
                "abandoned": abandoned,
                "closed": sum(bool(r["closed_month"]) for r in followed),
            },
        }

    return {
        "national": summary(rows),
        "by_region": {code: summary(group) for code, group in _per_region(rows).items()},
        "breakdowns": {
            "phase": _counts((r["phase"] for r in accompanied), PHASES),
            "theme": _counts((r["theme"] for r in accompanied), [t.value for t in Theme]),
            "province": dict(sorted(Counter(r["province"] for r in accompanied).items())),
            "close_reason": _counts(
                (r["close_reason"] for r in accompanied if r["close_reason"]),
                [c.value for c in InitiativeClosure],
            ),
        },
        "trend": _cumulative(
            _window(now, [r["accompanied_month"] for r in rows]),
            (r["accompanied_month"] for r in rows),
        ),
    }


# -- D4 ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BeneficiaryCounts:
    """Additive roll-up of paired beneficiaries: adding regions' counts gives the nation's."""

    paired: int = 0
    improved: int = 0
    worsened: int = 0
    exits: int = 0
    entries: int = 0
    poor_before: int = 0
    poor_after: int = 0
    sum_c_before: float = 0.0
    sum_c_after: float = 0.0

    def __add__(self, other: BeneficiaryCounts) -> BeneficiaryCounts:
        return BeneficiaryCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @classmethod
    def of(cls, row: Row) -> BeneficiaryCounts:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def beneficiary_counts(
    conn: Connection, by: Sequence[str] = ("region",)
) -> dict[tuple[str, ...], BeneficiaryCounts]:
    """Beneficiary roll-ups summed by the given columns (region, province, sex, age_band,
    month); `by=()` gives the national total."""
    return _sum_by(_rows(conn, p.beneficiaries), by)


def _sum_by(rows: Iterable[Row], by: Sequence[str]) -> dict[tuple[str, ...], BeneficiaryCounts]:
    totals: dict[tuple[str, ...], BeneficiaryCounts] = defaultdict(BeneficiaryCounts)
    for row in rows:
        key = tuple(row[column] for column in by)
        totals[key] = totals[key] + BeneficiaryCounts.of(row)
    return dict(totals)


def _improvement(counts: BeneficiaryCounts, paired: disclosure.Cell) -> dict[str, Any]:
    """D4's figures for one group: shown only when its count of paired persons is shown."""
    if paired.value is None:
        return _hidden(paired.reason)
    if counts.paired <= 0:
        return {"value": None, "paired": 0}
    return {
        **_rate(counts.improved, counts.paired),
        "paired": counts.paired,
        "worsened": _rate(counts.worsened, counts.paired),
        "exit_rate": _rate(counts.exits, counts.poor_before),
        "mean_c_before": round(counts.sum_c_before / counts.paired, RATE_DIGITS),
        "mean_c_after": round(counts.sum_c_after / counts.paired, RATE_DIGITS),
    }


def _improvement_by(
    groups: Mapping[tuple[str, ...], BeneficiaryCounts], keys: Sequence[str]
) -> dict[str, Any]:
    counts = {key: groups.get((key,), BeneficiaryCounts()) for key in keys}
    paired = disclosure.protect_counts({k: max(c.paired, 0) for k, c in counts.items()}, keys=keys)
    return {key: _improvement(counts[key], paired.cells[key]) for key in keys}


def _d4(conn: Connection, now: datetime) -> Figures:
    """Rate of improvement of living conditions, from additive beneficiary roll-ups."""
    rows = _rows(conn, p.beneficiaries)
    total = _sum_by(rows, ()).get((), BeneficiaryCounts())
    per_region = _sum_by(rows, ("region",))
    paired = disclosure.protect_counts(
        {code: max(per_region.get((code,), BeneficiaryCounts()).paired, 0) for code in REGIONS},
        keys=REGIONS,
    )
    by_province = _sum_by(rows, ("province",))
    months = _sum_by(rows, ("month",))
    trend, running = [], BeneficiaryCounts()
    for month in _window(now, [month for (month,) in months]):
        running = running + months.get((month,), BeneficiaryCounts())
        if running.paired <= 0:
            trend.append({"month": month, "value": None})
            continue
        rate = _rate(running.improved, running.paired)
        trend.append({"month": month, **{k: v for k, v in rate.items() if "ci_" not in k}})
    return {
        "national": _improvement(total, paired.total),
        "by_region": {
            code: _improvement(per_region.get((code,), BeneficiaryCounts()), paired.cells[code])
            for code in REGIONS
        },
        "breakdowns": {
            "sex": _improvement_by(_sum_by(rows, ("sex",)), SEXES),
            "age_band": _improvement_by(_sum_by(rows, ("age_band",)), AGE_BANDS),
            "province": _improvement_by(by_province, sorted(key for (key,) in by_province)),
        },
        "trend": trend,
    }


# -- D5 ----------------------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _d5(conn: Connection, now: datetime) -> Figures:
    """Regions admitted and sending (an event or a heartbeat) in the last 30 days."""
    now = _aware(now)
    since = now - timedelta(days=ACTIVE_DAYS)
    admitted = {
        row.region: row for row in conn.execute(select(regions)) if _aware(row.admitted_at) <= now
    }

    def status(code: str) -> dict[str, Any]:
        row = admitted.get(code)
        if row is None:
            return {"value": 0, "admitted": False, "last_message_at": None, "days_silent": None}
        last = _aware(row.last_message_at) if row.last_message_at else None
        return {
            "value": int(last is not None and since <= last <= now),
            "admitted": True,
            "last_message_at": last.isoformat(timespec="seconds") if last else None,
            "days_silent": round((now - last).total_seconds() / 86400, 1) if last else None,
        }

    by_region = {code: status(code) for code in REGIONS}
    active = sum(entry["value"] for entry in by_region.values())
    first = [_month(_aware(row.admitted_at)) for row in admitted.values()]
    trend = []
    for month in _window(now, first):
        if month >= _month(now):
            trend.append({"month": month, "value": active})
            break
        end = datetime.fromisoformat(f"{_shift(month, 1)}-01T00:00:00+00:00")
        sending = set(
            conn.execute(
                select(national_log.c.region)
                .where(
                    national_log.c.received_at >= end - timedelta(days=ACTIVE_DAYS),
                    national_log.c.received_at < end,
                )
                .distinct()
            ).scalars()
        )
        trend.append(
            {
                "month": month,
                "value": sum(
                    code in sending and _aware(row.admitted_at) < end
                    for code, row in admitted.items()
                ),
            }
        )
    return {
        "national": {
            "value": active,
            "admitted": len(admitted),
            "silent": sorted(c for c, e in by_region.items() if e["admitted"] and not e["value"]),
            "window_days": ACTIVE_DAYS,
            "as_of": now.isoformat(timespec="seconds"),
        },
        "by_region": by_region,
        "breakdowns": {},
        "trend": trend,
    }


# -- B1 ----------------------------------------------------------------------------------------


def _b1(conn: Connection, now: datetime) -> Figures:
    """Projects adopting the toolbox: a theory of change naming an indicator, and a measurement."""
    theories = {
        (r["region"], r["subject"]): r["first_month_with_codes"]
        for r in _rows(conn, p.theories)
        if r["indicator_codes"]
    }
    measured: dict[tuple[str, str], str] = {}
    for r in _rows(conn, p.measurements):
        key = (r["region"], r["subject"])
        measured[key] = min(measured.get(key, r["first_month"]), r["first_month"])
    adopting = {key: max(theories[key], measured[key]) for key in theories.keys() & measured}
    initiatives = {(r["region"], r["subject"]): r for r in _rows(conn, p.initiatives)}
    adopted = [initiatives[key] for key in adopting if key in initiatives]

    def summary(code: str | None) -> dict[str, Any]:
        def mine(keys: Iterable[tuple[str, str]]) -> int:
            return sum(code is None or region == code for region, _ in keys)

        return {
            "value": mine(adopting),
            "with_theory": mine(theories),
            "with_measurement": mine(measured),
        }

    return {
        "national": {
            **summary(None),
            "regions_adopting": len({region for region, _ in adopting}),
        },
        "by_region": {code: summary(code) for code in REGIONS},
        "breakdowns": {
            "theme": dict(sorted(Counter(r["theme"] for r in adopted).items())),
            "phase": _counts((r["phase"] for r in adopted), PHASES),
        },
        "trend": _cumulative(_window(now, adopting.values()), adopting.values()),
    }


# -- B2 ----------------------------------------------------------------------------------------


def _latest_grids(rows: Iterable[Row], until: str | None = None) -> dict[tuple[str, str], Row]:
    """Each grid's latest version (published by the end of `until`, if given)."""
    latest: dict[tuple[str, str], Row] = {}
    for row in rows:
        if until is not None and row["month"] > until:
            continue
        key = (row["region"], row["subject"])
        if key not in latest or row["version"] > latest[key]["version"]:
            latest[key] = row
    return latest


def _b2(conn: Connection, now: datetime) -> Figures:
    """Funder grids whose latest version integrates impact analysis."""
    versions = _rows(conn, p.grid_versions)
    latest = _latest_grids(versions)

    def summary(grids: list[Row]) -> dict[str, Any]:
        integrating = sum(bool(r["integrates_impact"]) for r in grids)
        return {
            "value": integrating,
            "grids": len(grids),
            "share": _share(integrating, len(grids)),
            "mean_impact_share": _share_mean([r["impact_share"] for r in grids]),
        }

    return {
        "national": summary(list(latest.values())),
        "by_region": {code: summary(grids) for code, grids in _per_region(latest.values()).items()},
        "breakdowns": {},
        "trend": [
            {
                "month": month,
                "value": sum(
                    bool(r["integrates_impact"]) for r in _latest_grids(versions, month).values()
                ),
            }
            for month in _window(now, (r["month"] for r in versions))
        ],
    }


# -- B3 ----------------------------------------------------------------------------------------


def _b3(conn: Connection, now: datetime) -> Figures:
    """Impact evaluation studies of territorial policies completed (and all by status)."""
    rows = _rows(conn, p.studies)
    statuses = [s.value for s in StudyStatus]

    def summary(studies: list[Row]) -> dict[str, Any]:
        return {
            "value": sum(r["status"] == StudyStatus.COMPLETED for r in studies),
            "registered": len(studies),
            "by_status": _counts((r["status"] for r in studies), statuses),
        }

    return {
        "national": summary(rows),
        "by_region": {code: summary(studies) for code, studies in _per_region(rows).items()},
        "breakdowns": {
            "status": _counts((r["status"] for r in rows), statuses),
            "method": _counts((r["method"] for r in rows), [m.value for m in StudyMethod]),
            "territory": dict(sorted(Counter(r["territory"] for r in rows).items())),
        },
        "trend": _cumulative(
            _window(now, (r["completed_month"] for r in rows)),
            (r["completed_month"] for r in rows if r["status"] == StudyStatus.COMPLETED),
        ),
    }


# -- T1 ----------------------------------------------------------------------------------------


def _holders(rows: list[Row]) -> dict[str, Any]:
    """Holders by sex and age band, and by region and sex: counts of persons, protected."""
    by_band: dict[str, dict[str, int]] = {sex: {} for sex in SEXES}
    by_region: dict[str, dict[str, int]] = {code: {} for code in REGIONS}
    for r in rows:
        band = by_band[r["holder_sex"]]
        band[r["holder_age_band"]] = band.get(r["holder_age_band"], 0) + 1
        region = by_region.setdefault(r["region"], {})
        region[r["holder_sex"]] = region.get(r["holder_sex"], 0) + 1
    return {
        "sex_age_band": disclosure.protect_table(by_band, rows=SEXES, columns=AGE_BANDS).as_dict(),
        "region_sex": disclosure.protect_table(
            by_region, rows=list(by_region), columns=SEXES
        ).as_dict(),
    }


def _t1(conn: Connection, now: datetime) -> Figures:
    """Initiatives by theme and territory over time (the observatory)."""
    rows = _rows(conn, p.initiatives)
    themes = [t.value for t in Theme]
    months = _window(now, (r["registered_month"] for r in rows))
    by_theme_month: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        by_theme_month[r["theme"]][r["registered_month"]] += 1
    by_province: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        by_province[r["province"]][r["theme"]] += 1
    return {
        "national": {
            "value": len(rows),
            "open": sum(r["closed_month"] is None for r in rows),
            "themes": sum(1 for n in _counts((r["theme"] for r in rows), themes).values() if n),
        },
        "by_region": {
            code: {"value": len(group), "theme": _counts((r["theme"] for r in group), themes)}
            for code, group in _per_region(rows).items()
        },
        "breakdowns": {
            "theme": _counts((r["theme"] for r in rows), themes),
            "province": dict(sorted(Counter(r["province"] for r in rows).items())),
            "province_theme": {
                province: dict(sorted(counted.items()))
                for province, counted in sorted(by_province.items())
            },
            "theme_month": {
                theme: [{"month": m, "value": by_theme_month[theme].get(m, 0)} for m in months]
                for theme in sorted(by_theme_month)
            },
            "holders": _holders(rows),
        },
        "trend": _cumulative(months, (r["registered_month"] for r in rows)),
    }


# -- T2 ----------------------------------------------------------------------------------------

Capacity = dict[tuple[str, str, str], float]  # (province, phase, service type) -> per year
Demand = dict[tuple[str, str], int]  # (province, phase) -> open initiatives


@dataclass(frozen=True)
class _Coverage:
    """The rows T2 needs, read once for the current state and every month of the trend."""

    offers: list[Row]
    initiatives: list[Row]
    phase_changes: list[Row]

    @classmethod
    def read(cls, conn: Connection) -> _Coverage:
        return cls(_rows(conn, p.offers), _rows(conn, p.initiatives), _rows(conn, p.phase_changes))

    def at(self, month: str | None = None) -> tuple[Capacity, Demand]:
        """Open offers' capacity and open initiatives, now or at the end of `month`.

        An offer's yearly capacity is split evenly over its provinces and counted in each of
        its phases (a place serves a project in whichever phase it is). Demand in a province
        and phase is the number of open initiatives there.
        """
        capacity: Capacity = defaultdict(float)
        for offer in self.offers:
            end = offer["withdrawn_month"]
            if (
                (end is not None)
                if month is None
                else not _open_at(month, offer["published_month"], end)
            ):
                continue
            provinces = offer["provinces"]
            share = offer["capacity_per_year"] / len(provinces) if provinces else 0.0
            for province in provinces:
                for phase in offer["phases"]:
                    capacity[(province, phase, offer["service_type"])] += share
        phase_at: dict[tuple[str, str], str] = {}
        for change in self.phase_changes:  # in (region, seq) order: the last one wins
            if month is not None and change["month"] <= month:
                phase_at[(change["region"], change["subject"])] = change["to_phase"]
        demand: Demand = defaultdict(int)
        for initiative in self.initiatives:
            end = initiative["closed_month"]
            if month is None:
                if end is not None:
                    continue
                phase = initiative["phase"]
            else:
                if not _open_at(month, initiative["registered_month"], end):
                    continue
                key = (initiative["region"], initiative["subject"])
                phase = phase_at.get(key, initiative["registered_phase"])
            demand[(initiative["province"], phase)] += 1
        return capacity, demand


def _matrix(capacity: Capacity, demand: Demand) -> list[dict[str, Any]]:
    """One row per province × phase, for every province of Morocco."""
    rows = []
    for province in territory.provinces().values():
        for phase in PHASES:
            offered = {s: capacity.get((province.code, phase, s), 0.0) for s in SERVICES}
            total, wanted = sum(offered.values()), demand.get((province.code, phase), 0)
            rows.append(
                {
                    "province": province.code,
                    "region": province.region,
                    "phase": phase,
                    "capacity": round(total, 2),
                    "demand": wanted,
                    "services": {s: round(c, 2) for s, c in offered.items()},
                    "services_offered": sum(1 for c in offered.values() if c > 0),
                    "uncovered": total == 0,
                    "gap": total < wanted,
                }
            )
    return rows


def _gaps(capacity: Capacity, demand: Demand) -> int:
    """How many rows of `_matrix` are gaps, without building it: only a province × phase with
    demand can lack capacity (the trend counts them for every month of its window)."""
    provinces = territory.provinces()
    return sum(
        1
        for (province, phase), wanted in demand.items()
        if province in provinces
        and phase in PHASES
        and sum(capacity.get((province, phase, s), 0.0) for s in SERVICES) < wanted
    )


def _coverage_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "value": sum(r["gap"] for r in rows),
        "demand": sum(r["demand"] for r in rows),
        "uncovered": sum(r["uncovered"] for r in rows),
        "by_phase": {
            phase: {
                "capacity": round(sum(r["capacity"] for r in rows if r["phase"] == phase), 2),
                "demand": sum(r["demand"] for r in rows if r["phase"] == phase),
                "gaps": sum(r["gap"] for r in rows if r["phase"] == phase),
                "uncovered_provinces": sum(r["uncovered"] for r in rows if r["phase"] == phase),
            }
            for phase in PHASES
        },
    }


def _t2(conn: Connection, now: datetime) -> Figures:
    """Province × phase pairs whose open demand exceeds the capacity of the open offers."""
    data = _Coverage.read(conn)
    rows = _matrix(*data.at())
    by_service = {
        service: {
            phase: round(sum(r["services"][service] for r in rows if r["phase"] == phase), 2)
            for phase in PHASES
        }
        for service in SERVICES
    }
    starts = [r["published_month"] for r in data.offers]
    starts += [r["registered_month"] for r in data.initiatives]
    trend = [{"month": month, "value": _gaps(*data.at(month))} for month in _window(now, starts)]
    national = _coverage_summary(rows)
    return {
        "national": {**national, "pairs": len(rows)},
        "by_region": {
            code: _coverage_summary([r for r in rows if r["region"] == code]) for code in REGIONS
        },
        "breakdowns": {
            "phase": national["by_phase"],
            "service_type": by_service,
            "gaps": [
                {k: r[k] for k in ("province", "region", "phase", "capacity", "demand")}
                for r in rows
                if r["gap"]
            ],
        },
        "trend": trend,
    }


def coverage(conn: Connection) -> dict[str, Any]:
    """The national coverage matrix (GET /api/v1/coverage): offer capacity against open
    initiatives per province × phase × service type, gaps and uncovered phases marked."""
    rows = _matrix(*_Coverage.read(conn).at())
    cells = [
        {
            "province": r["province"],
            "region": r["region"],
            "phase": r["phase"],
            "service_type": service,
            "capacity": capacity,
            "demand": r["demand"],
            "gap": capacity < r["demand"],
        }
        for r in rows
        for service, capacity in r["services"].items()
    ]
    uncovered: dict[str, list[str]] = {}
    for r in rows:
        uncovered.setdefault(r["province"], [])
        if r["uncovered"]:
            uncovered[r["province"]].append(r["phase"])
    return {
        "provinces": [
            {"code": pr.code, "name": pr.name, "region": pr.region}
            for pr in territory.provinces().values()
        ],
        "phases": list(PHASES),
        "service_types": list(SERVICES),
        "cells": cells,
        "by_phase": [{k: v for k, v in r.items() if k != "services"} for r in rows],
        "uncovered_phases": uncovered,
        "gaps": sum(r["gap"] for r in rows),
    }


# -- T3 ----------------------------------------------------------------------------------------


def _t3(conn: Connection, now: datetime) -> Figures:
    """Professionals trained (people, not attendances), hours, and competence gain."""
    trainings = _rows(conn, p.trainings)
    rollups = _rows(conn, p.competence)
    by_training, by_rollup = _per_region(trainings), _per_region(rollups)
    people = disclosure.protect_counts(
        {code: sum(r["new_participants"] for r in by_training[code]) for code in REGIONS},
        keys=REGIONS,
    )
    assessed = disclosure.protect_counts(
        {code: sum(r["assessed"] for r in by_rollup[code]) for code in REGIONS}, keys=REGIONS
    )

    def competence(rows: list[Row], cell: disclosure.Cell) -> dict[str, Any]:
        if cell.value is None:
            return _hidden(cell.reason)
        n = sum(r["assessed"] for r in rows)
        before, after = sum(r["sum_before"] for r in rows), sum(r["sum_after"] for r in rows)
        return {
            "value": round((after - before) / n, MEAN_DIGITS) if n else None,
            "assessed": n,
            "mean_before": _mean(before, n),
            "mean_after": _mean(after, n),
        }

    def summary(
        rows: list[Row], persons: disclosure.Cell, roll: list[Row], tested: disclosure.Cell
    ) -> dict[str, Any]:
        public = {
            "trainings": len(rows),
            "hours": round(sum(r["hours"] for r in rows), 2),
            "competence_gain": competence(roll, tested),
        }
        if persons.value is None:  # person-hours would give the people away
            return {**_hidden(persons.reason), **public}
        person_hours = sum(r["hours"] * r["participants"] for r in rows)
        return {"value": persons.value, **public, "person_hours": round(person_hours, 2)}

    months = _window(now, (r["month"] for r in trainings))
    flows = Counter[str]()
    for r in trainings:
        flows[r["month"]] += r["new_participants"]
    per_month = disclosure.protect_counts({m: flows.get(m, 0) for m in months}, keys=months)
    return {
        "national": summary(trainings, people.total, rollups, assessed.total),
        "by_region": {
            code: summary(
                by_training[code], people.cells[code], by_rollup[code], assessed.cells[code]
            )
            for code in REGIONS
        },
        "breakdowns": {},
        "trend": [{"month": m, **_shown(per_month.cells[m])} for m in months],
    }


# -- the catalogue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    definition: str
    formula: str
    unit: str
    methodology: str
    trend_note: str
    compute: Callable[[Connection, datetime], Figures]


_PERSONS = (
    "Comptes de personnes soumis au contrôle de la divulgation : valeur < 10 masquée, "
    "masquage complémentaire pour qu'aucune case ne se déduise des totaux."
)

CATALOGUE: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator(
            "D1",
            "Acteurs rejoignant le dispositif",
            "Membres de l'alliance régionale, par type d'acteur, en cumul net des départs.",
            "membres ayant adhéré − membres partis",
            "membres",
            "Les membres sont des organisations publiques : comptes publiés tels quels. "
            "Un départ retire le membre du cumul le mois où il part.",
            "Membres présents en fin de mois.",
            _d1,
        ),
        Indicator(
            "D2",
            "Nombre et qualité des offres des structures d'accompagnement de proximité",
            "Offres ouvertes des structures d'accompagnement ; qualité = note moyenne "
            "d'évaluation (1–5, cinq critères) et satisfaction moyenne des porteurs (1–5) ; "
            "nombre de structures soutenues par DRAIS.",
            "offres publiées − offres retirées ; qualité = moyenne des notes de la dernière "
            "évaluation de chaque structure ; satisfaction = moyenne des notes de fin "
            "d'accompagnement",
            "offres",
            "Offres et structures sont publiques. La satisfaction vient de personnes (porteurs) : "
            "elle n'est publiée que si le nombre de réponses l'est (≥ 10). " + _PERSONS,
            "Offres ouvertes en fin de mois.",
            _d2,
        ),
        Indicator(
            "D3",
            "Nombre et qualité des innovations sociales accompagnées",
            "Initiatives ayant reçu au moins un accompagnement, par phase actuelle ; part "
            "ayant progressé jusqu'à la validation ou la croissance ; survie.",
            "progression = accompagnées entrées avant la validation et ayant atteint validation "
            "ou croissance / accompagnées entrées avant la validation ; survie = 1 − "
            "accompagnées fermées pour abandon / accompagnées",
            "initiatives",
            "Les initiatives sont des projets (organisations) : comptes et parts publiés tels "
            "quels. Les caractéristiques des porteurs (personnes) sont protégées, voir T1.",
            "Initiatives accompagnées en cumul, fin de mois.",
            _d3,
        ),
        Indicator(
            "D4",
            "Taux d'amélioration des conditions de vie des bénéficiaires",
            "Parmi les bénéficiaires ayant une enquête de référence et un suivi, part dont le "
            "score de privation pondéré c_i (Alkire–Foster) a baissé ; part dégradée ; taux de "
            "sortie de la pauvreté multidimensionnelle.",
            "taux = améliorés / appariés (IC 95 % de Wilson) ; sortie = sorties / pauvres à la "
            "référence ; c moyen = Σc_i / appariés",
            "proportion",
            "Calculé à partir de comptes additifs agrégés (≥ 5 personnes par strate), y compris "
            "les corrections négatives : la somme des régions donne exactement le national. "
            "Un taux n'est publié que si numérateur ≥ 10 et dénominateur − numérateur ≥ 10. "
            + _PERSONS,
            "Taux d'amélioration cumulé en fin de mois.",
            _d4,
        ),
        Indicator(
            "D5",
            "Régions faisant fonctionner le dispositif",
            "Régions admises dans la fédération ayant envoyé un message (événement ou signal "
            "de vie) au cours des 30 derniers jours.",
            "régions admises avec un dernier message ≥ maintenant − 30 jours",
            "régions",
            "Compte public. La tendance des mois passés se fonde sur le journal national "
            "(événements reçus), le mois courant aussi sur les signaux de vie.",
            "Régions actives en fin de mois.",
            _d5,
        ),
        Indicator(
            "B1",
            "Acteurs et projets adoptant la boîte à outils",
            "Projets ayant une théorie du changement liée à au moins un indicateur et au moins "
            "une mesure enregistrée.",
            "projets avec théorie du changement (≥ 1 indicateur) ∩ projets avec ≥ 1 mesure",
            "projets",
            "Adoption constatée et non déclarée ; comptes de projets publics. La date "
            "d'adoption est le mois où les deux conditions sont réunies.",
            "Projets adoptants en cumul, fin de mois.",
            _b1,
        ),
        Indicator(
            "B2",
            "Grilles d'évaluation des bailleurs intégrant l'analyse d'impact",
            "Grilles (dernière version) dont les critères d'impact pèsent au moins 30 % ou "
            "sont éliminatoires ou déterminants.",
            "grilles intégrant l'impact ; part = grilles intégrant l'impact / grilles",
            "grilles",
            "Comptes d'organisations, publics. Une grille révisée compte pour sa dernière version.",
            "Grilles intégrant l'impact en fin de mois (dernière version à cette date).",
            _b2,
        ),
        Indicator(
            "B3",
            "Études d'évaluation d'impact de politiques territoriales menées",
            "Études d'impact de politiques territoriales achevées, et toutes par statut.",
            "études au statut « achevée »",
            "études",
            "Comptes publics. Méthodes : avant/après, doubles différences, aléatoire, qualitative.",
            "Études achevées en cumul, fin de mois.",
            _b3,
        ),
        Indicator(
            "T1",
            "Problèmes sociaux et innovations par thème et territoire",
            "Initiatives enregistrées par thème, région et province, au fil des mois.",
            "nombre d'initiatives enregistrées",
            "initiatives",
            "Comptes de projets publics. La répartition des porteurs par sexe et tranche d'âge "
            "compte des personnes : " + _PERSONS,
            "Initiatives enregistrées en cumul, fin de mois.",
            _t1,
        ),
        Indicator(
            "T2",
            "Couverture de l'offre d'accompagnement",
            "Capacité des offres ouvertes face aux initiatives ouvertes, par province × phase × "
            "type de service ; déficits et phases non couvertes.",
            "déficit (province, phase) si Σ capacité < initiatives ouvertes ; capacité d'une "
            "offre = capacité annuelle / nombre de ses provinces, comptée dans chacune de ses "
            "phases",
            "couples province × phase en déficit",
            "Comptes d'offres et de projets, publics. Le manque de soutien aux phases de "
            "validation et de croissance apparaît dans la répartition par phase.",
            "Couples en déficit en fin de mois.",
            _t2,
        ),
        Indicator(
            "T3",
            "Professionnels formés",
            "Personnes formées (chacune comptée une fois), heures de formation et "
            "heures-personnes, gain moyen de compétence.",
            "personnes = Σ nouveaux participants ; heures-personnes = Σ heures × participants ; "
            "gain = moyenne après − moyenne avant",
            "personnes",
            "Les compétences arrivent agrégées (≥ 5 évaluations). " + _PERSONS,
            "Nouveaux professionnels formés par mois (flux, protégé).",
            _t3,
        ),
    )
}

CODES: tuple[str, ...] = tuple(CATALOGUE)


def indicator(conn: Connection, code: str, now: datetime) -> dict[str, Any]:
    """One indicator, computed at `now`; KeyError for an unknown code."""
    entry = CATALOGUE[code]
    figures = entry.compute(conn, now)
    return {
        "code": entry.code,
        "label": entry.label,
        "definition": entry.definition,
        "formula": entry.formula,
        "unit": entry.unit,
        "methodology": entry.methodology,
        "trend_note": entry.trend_note,
        "national": figures["national"],
        "by_region": figures["by_region"],
        "breakdowns": figures["breakdowns"],
        "trend": figures["trend"],
    }


def all_indicators(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Every indicator of DESIGN §6, in catalogue order."""
    return [indicator(conn, code, now) for code in CODES]
