"""Read helpers of the directory (no writes here)."""

from dataclasses import dataclass, field

from profiles.models import Attachment, RoleGrant, User, current_school_year


@dataclass
class ChildSummary:
    pupil: User
    school_class: object | None
    school: object | None


@dataclass
class UserOverview:
    user: User
    profiles: list[str]
    children: list[ChildSummary] = field(default_factory=list)
    schools: list = field(default_factory=list)
    classes: list = field(default_factory=list)
    collectivities: list = field(default_factory=list)
    roles: list[RoleGrant] = field(default_factory=list)
    functions: list[Attachment] = field(default_factory=list)
    can_access_admin: bool = False


def user_overview(user: User) -> UserOverview:
    """Who she is and what she is attached to this school year, in a constant
    number of queries (five, whatever the number of children or schools)."""
    year = current_school_year()
    overview = UserOverview(
        user=user,
        profiles=[p.get_profile_display() for p in user.ent_profiles.all()],
    )
    attachments = list(
        Attachment.objects.filter(user=user, school_year=year).select_related(
            "school__collectivity", "school_class", "collectivity", "pupil"
        )
    )
    pupil_ids = [a.pupil_id for a in attachments if a.kind == Attachment.Kind.GUARDIAN]
    enrolments = {
        a.user_id: a
        for a in Attachment.objects.filter(
            kind=Attachment.Kind.PUPIL, user_id__in=pupil_ids, school_year=year
        ).select_related("school_class", "school__collectivity")
    }
    schools, collectivities = {}, {}
    for attachment in attachments:
        if attachment.kind == Attachment.Kind.GUARDIAN:
            enrolment = enrolments.get(attachment.pupil_id)
            overview.children.append(
                ChildSummary(
                    pupil=attachment.pupil,
                    school_class=enrolment.school_class if enrolment else None,
                    school=enrolment.school if enrolment else None,
                )
            )
            if enrolment:
                collectivities.setdefault(enrolment.school.collectivity_id, enrolment.school.collectivity)
        elif attachment.kind == Attachment.Kind.COLLECTIVITY_STAFF:
            collectivities.setdefault(attachment.collectivity_id, attachment.collectivity)
        else:
            schools.setdefault(attachment.school_id, attachment.school)
            collectivities.setdefault(attachment.school.collectivity_id, attachment.school.collectivity)
            if attachment.school_class_id:
                overview.classes.append(attachment.school_class)
            if attachment.kind in (Attachment.Kind.DIRECTOR, Attachment.Kind.PARENT_ELU):
                overview.functions.append(attachment)
    overview.children.sort(key=lambda c: c.pupil.first_name)
    overview.schools = sorted(schools.values(), key=lambda s: s.name)
    overview.collectivities = sorted(collectivities.values(), key=lambda c: c.name)
    overview.roles = list(
        RoleGrant.objects.current().filter(user=user).select_related("school", "collectivity")
    )
    overview.can_access_admin = user.has_perm("wagtailadmin.access_admin")
    return overview
