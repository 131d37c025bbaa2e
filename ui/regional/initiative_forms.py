"""One form per initiative command, each paired with the API handler that records it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from node.api import schemas
from node.api.routes import initiatives as api
from ui.forms import Field, Form
from ui.i18n import N_

ON = Field("on", N_("Date"), "date", help=N_("Leave empty for today."))

REGISTER = Form(
    name="register",
    title=N_("Register an initiative"),
    schema=schemas.InitiativeIn,
    fields=(
        Field("name", N_("Name of the initiative"), required=True),
        Field("theme", N_("Theme"), "select", "theme", required=True),
        Field("province", N_("Province or prefecture"), "select", "province", required=True),
        Field("commune", N_("Commune"), help=N_("Kept in the region; never shared.")),
        Field("phase", N_("Phase"), "select", "phase", required=True),
        Field("holder.full_name", N_("Holder's full name"), required=True),
        Field("holder.gender", N_("Holder's sex"), "select", "gender", required=True),
        Field("holder.birth_year", N_("Holder's year of birth"), "number", required=True),
        Field("holder.cin", N_("Holder's CIN"), help=N_("For example JB123456.")),
        Field("holder.phone", N_("Holder's phone"), "tel", help=N_("For example +212612345678.")),
        Field("holder.email", N_("Holder's e-mail"), "email"),
        Field("consents", N_("Consents given"), "multiselect", "consent"),
        ON,
    ),
    submit=N_("Register"),
    done=N_("The initiative has been registered."),
)

ACCOMPANIMENT = Field(
    "accompaniment_id", N_("Accompaniment"), "select", "accompaniments", True, in_path=True
)


@dataclass(frozen=True)
class Command:
    form: Form
    handler: Callable[..., Any]


COMMANDS: dict[str, Command] = {
    command.form.name: command
    for command in (
        Command(
            Form(
                "phase",
                N_("Change phase"),
                schemas.PhaseIn,
                (Field("phase", N_("New phase"), "select", "phase", required=True), ON),
                N_("Change phase"),
                N_("The phase has been changed."),
            ),
            api.change_phase,
        ),
        Command(
            Form(
                "accompaniment",
                N_("Start an accompaniment"),
                schemas.AccompanimentIn,
                (
                    Field("structure_id", N_("Support structure"), "select", "structures", True),
                    Field("offer_id", N_("Offer"), "select", "offers", True),
                    ON,
                ),
                N_("Start the accompaniment"),
                N_("The accompaniment has started."),
            ),
            api.start_accompaniment,
        ),
        Command(
            Form(
                "session",
                N_("Hold a session"),
                schemas.SessionIn,
                (
                    ACCOMPANIMENT,
                    Field("hours", N_("Hours"), "number", required=True, step="0.25"),
                    Field("topic", N_("Topic"), required=True),
                    ON,
                ),
                N_("Record the session"),
                N_("The session has been recorded."),
            ),
            api.hold_session,
        ),
        Command(
            Form(
                "end",
                N_("End an accompaniment"),
                schemas.AccompanimentEndIn,
                (
                    ACCOMPANIMENT,
                    Field("outcome", N_("Outcome"), "select", "outcome", required=True),
                    Field(
                        "satisfaction",
                        N_("Holder's satisfaction (1 to 5)"),
                        "number",
                        required=True,
                    ),
                    ON,
                ),
                N_("End the accompaniment"),
                N_("The accompaniment has ended."),
            ),
            api.end_accompaniment,
        ),
        Command(
            Form(
                "funding",
                N_("Record funding"),
                schemas.FundingIn,
                (
                    Field("funder", N_("Funder"), required=True),
                    Field("amount", N_("Amount (MAD)"), "number", required=True, step="0.01"),
                    Field("instrument", N_("Instrument"), "select", "instrument", required=True),
                    ON,
                ),
                N_("Record the funding"),
                N_("The funding has been recorded."),
            ),
            api.record_funding,
        ),
        Command(
            Form(
                "close",
                N_("Close the initiative"),
                schemas.CloseIn,
                (Field("reason", N_("Reason"), "select", "closure", required=True), ON),
                N_("Close"),
                N_("The initiative has been closed."),
            ),
            api.close,
        ),
    )
}
