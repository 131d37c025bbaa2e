"""One form per command of the alliance, the support structures and the trainings, each paired
with the JSON API's handler that records it.

A command either adds a record to a list (`CREATES`) or changes one record (`CHANGES`, whose
handler takes the record's id first). Where the API's handler takes its body after the
`Commands`, or as an optional argument, a two-line adapter puts it in the order `execute`
passes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from node.api import schemas
from node.api.deps import Commands
from node.api.routes import alliance, people, structures
from node.domain.structures import QUALITY_CRITERIA
from ui import forms
from ui.forms import Field, Form, RawValue, Submission
from ui.i18n import N_, Translator
from ui.regional import impact_forms

MEMBER, MEETING, RESOURCE = "member", "meeting", "resource"
STRUCTURE, PROFESSIONAL, TRAINING, CONSENT = "structure", "professional", "training", "consent"

#: The quality criteria, in the order the domain lists them, as a reader reads them.
CRITERIA_LABELS: dict[str, str] = {
    "pertinence": N_("Relevance of the offer"),
    "accessibilite": N_("Accessibility"),
    "competences": N_("Staff skills"),
    "suivi": N_("Follow-up of the initiatives"),
    "mesure_impact": N_("Impact measurement"),
}
assert tuple(CRITERIA_LABELS) == QUALITY_CRITERIA, "a quality criterion has no label"


def _on(label: str) -> Field:
    """The day it happened; the API takes today when none is given."""
    return Field("on", label, "date", help=N_("Leave empty for today."))


IDENTITY = (
    Field("full_name", N_("Full name"), required=True),
    Field("gender", N_("Sex"), "select", "gender", required=True),
    Field("birth_year", N_("Year of birth"), "number", required=True),
    Field("cin", N_("CIN"), help=N_("For example JB123456.")),
    Field("phone", N_("Phone"), "tel", help=N_("For example +212612345678.")),
    Field("email", N_("E-mail"), "email"),
)


@dataclass(frozen=True)
class Command:
    form: Form
    handler: Callable[..., Any]
    #: text areas holding one item of a list per line
    lines: tuple[str, ...] = ()
    #: the page shown once a record was created (`{id}` is its id); None: the list page
    lands: str | None = None
    #: what a blank form shows (a box ticked by default, say)
    initial: Mapping[str, RawValue] | None = None

    def blank(self) -> Submission:
        return Submission(self.form, values=dict(self.initial or {}))

    def parse(self, tr: Translator, data: Mapping[str, RawValue]) -> Submission:
        if self.lines:
            return impact_forms.parse(tr, self.form, data, lines=self.lines)
        return forms.parse(tr, self.form, data)


def _leave(member_id: str, body: schemas.LeaveIn, do: Commands) -> dict[str, str]:
    return alliance.leave(member_id, do, body)


def _withdraw(
    structure_id: str, offer_id: str, body: schemas.LeaveIn, do: Commands
) -> dict[str, str]:
    return structures.withdraw_offer(structure_id, offer_id, do, body)


def _by_name(*commands: Command) -> dict[str, Command]:
    return {command.form.name: command for command in commands}


CREATES: dict[str, dict[str, Command]] = {
    "alliance": _by_name(
        Command(
            Form(
                MEMBER,
                N_("Add a member"),
                schemas.MemberIn,
                (
                    Field("name", N_("Name of the organisation"), required=True),
                    Field("actor_type", N_("Type of actor"), "select", "actor_type", True),
                    Field("role", N_("Role"), "select", "role", required=True),
                    _on(N_("Joined on")),
                ),
                N_("Add the member"),
                N_("The member has joined the alliance."),
            ),
            alliance.join_member,
            lands="/alliance/members/{id}",
        ),
        Command(
            Form(
                MEETING,
                N_("Record a governance meeting"),
                schemas.MeetingIn,
                (
                    Field("title", N_("Title"), required=True),
                    Field(
                        "members_present",
                        N_("Members present"),
                        "multiselect",
                        "active_members",
                        required=True,
                    ),
                    Field(
                        "decisions",
                        N_("Decisions"),
                        "textarea",
                        help=N_("One decision per line."),
                    ),
                    _on(N_("Date")),
                ),
                N_("Record the meeting"),
                N_("The meeting has been recorded."),
            ),
            alliance.hold_meeting,
            lines=("decisions",),
        ),
        Command(
            Form(
                RESOURCE,
                N_("Share a resource"),
                schemas.ResourceIn,
                (
                    Field("title", N_("Title"), required=True),
                    Field("kind", N_("Kind"), "select", "resource_kind", required=True),
                    Field(
                        "link",
                        N_("Link"),
                        "text",
                        required=True,
                        help=N_("An address starting with https://"),
                    ),
                    Field("member_id", N_("Shared by the member"), "select", "members"),
                    _on(N_("Date")),
                ),
                N_("Share"),
                N_("The resource has been shared."),
            ),
            alliance.share_resource,
        ),
    ),
    "structures": _by_name(
        Command(
            Form(
                STRUCTURE,
                N_("Register a support structure"),
                schemas.StructureIn,
                (
                    Field("name", N_("Name of the structure"), required=True),
                    Field("kind", N_("Kind"), "select", "structure_kind", required=True),
                    Field("provinces", N_("Provinces served"), "multiselect", "province", True),
                    _on(N_("Registered on")),
                ),
                N_("Register"),
                N_("The structure has been registered."),
            ),
            structures.register_structure,
            lands="/structures/{id}",
        ),
    ),
    "trainings": _by_name(
        Command(
            Form(
                PROFESSIONAL,
                N_("Register a professional"),
                schemas.ProfessionalIn,
                IDENTITY,
                N_("Register"),
                N_("The professional has been registered."),
            ),
            people.register_professional,
        ),
        Command(
            Form(
                TRAINING,
                N_("Record a training"),
                schemas.TrainingIn,
                (
                    Field("topic", N_("Topic"), required=True),
                    Field("hours", N_("Hours"), "number", required=True, step="0.5"),
                    Field(
                        "participant_ids",
                        N_("Participants"),
                        "multiselect",
                        "professionals",
                        required=True,
                    ),
                    _on(N_("Held on")),
                ),
                N_("Record the training"),
                N_("The training has been recorded."),
            ),
            people.hold_training,
            lands="/trainings/{id}",
        ),
        Command(
            Form(
                CONSENT,
                N_("Record a consent"),
                schemas.ConsentIn,
                (
                    Field(
                        "person_id",
                        N_("Professional"),
                        "select",
                        "professionals",
                        required=True,
                        in_path=True,
                    ),
                    Field("purpose", N_("Purpose"), "select", "consent", required=True),
                    Field("given", N_("Consent given (untick to record a withdrawal)"), "checkbox"),
                    _on(N_("Date")),
                ),
                N_("Record the consent"),
                N_("The consent has been recorded."),
            ),
            people.record_consent,
            initial={"given": "on"},
        ),
    ),
}

CHANGES: dict[str, dict[str, Command]] = {
    "alliance": _by_name(
        Command(
            Form(
                "role",
                N_("Change the role"),
                schemas.RoleIn,
                (Field("role", N_("New role"), "select", "role", required=True),),
                N_("Change the role"),
                N_("The role has been changed."),
            ),
            alliance.change_role,
        ),
        Command(
            Form(
                "leave",
                N_("Record the departure"),
                schemas.LeaveIn,
                (_on(N_("Left on")),),
                N_("Record the departure"),
                N_("The member has left the alliance."),
            ),
            _leave,
        ),
    ),
    "structures": _by_name(
        Command(
            Form(
                "offer",
                N_("Publish an offer"),
                schemas.OfferIn,
                (
                    Field("service_type", N_("Service type"), "select", "service_type", True),
                    Field("phases", N_("Phases"), "multiselect", "phase", required=True),
                    Field("provinces", N_("Provinces"), "multiselect", "served", required=True),
                    Field("capacity_per_year", N_("Yearly capacity"), "number", required=True),
                    Field("free", N_("Free of charge"), "checkbox"),
                    _on(N_("Published on")),
                ),
                N_("Publish the offer"),
                N_("The offer has been published."),
            ),
            structures.publish_offer,
            initial={"free": "on"},
        ),
        Command(
            Form(
                "withdraw",
                N_("Withdraw an offer"),
                schemas.LeaveIn,
                (
                    Field("offer_id", N_("Offer"), "select", "active_offers", True, in_path=True),
                    _on(N_("Withdrawn on")),
                ),
                N_("Withdraw the offer"),
                N_("The offer has been withdrawn."),
            ),
            _withdraw,
        ),
        Command(
            Form(
                "support",
                N_("Record support from DRAIS"),
                schemas.DraisSupportIn,
                (
                    Field("support_type", N_("Kind of support"), "select", "support_type", True),
                    _on(N_("Date")),
                ),
                N_("Record the support"),
                N_("The support has been recorded."),
            ),
            structures.record_support,
        ),
        Command(
            Form(
                "quality",
                N_("Assess quality"),
                schemas.QualityIn,
                (
                    *(
                        Field(
                            f"scores.{code}",
                            text,
                            "number",
                            required=True,
                            help=N_("From 1 (poor) to 5 (excellent)."),
                        )
                        for code, text in CRITERIA_LABELS.items()
                    ),
                    _on(N_("Date")),
                ),
                N_("Record the assessment"),
                N_("The assessment has been recorded."),
            ),
            structures.assess_quality,
        ),
    ),
    "trainings": _by_name(
        Command(
            Form(
                "assess",
                N_("Assess a participant's competence"),
                schemas.AssessmentIn,
                (
                    Field(
                        "participant_id",
                        N_("Participant"),
                        "select",
                        "unassessed",
                        required=True,
                    ),
                    Field(
                        "before",
                        N_("Score before the training (0 to 100)"),
                        "number",
                        required=True,
                    ),
                    Field(
                        "after",
                        N_("Score after the training (0 to 100)"),
                        "number",
                        required=True,
                    ),
                ),
                N_("Record the assessment"),
                N_("The assessment has been recorded."),
            ),
            people.assess,
        ),
    ),
}
