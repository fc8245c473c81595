"""The admin form of every publication (`Publication.base_form_class`): audience
choices limited to the space, audiences that make no sense there refused in French.
Imported by the page models: it must not import Wagtail's document or image forms."""

from wagtail.admin.forms import WagtailAdminPageForm

CLASSES_REQUIRED_MESSAGE = "Choisissez au moins une classe pour le public « Des classes choisies »."
CLASSES_IN_COMMUNE_MESSAGE = (
    "Une commune n'a pas de classes : visez la communauté, les parents ou l'équipe de ses "
    "écoles."
)
SCHOOLS_IN_SCHOOL_MESSAGE = (
    "Le choix des écoles est réservé aux communications d'une commune : une école publie "
    "pour sa propre communauté."
)
OUTSIDE_SPACE_MESSAGE = (
    "Une page hors de tout espace s'adresse à tout le monde (public) ou à tous les "
    "utilisateurs connectés (communauté) : choisissez l'un de ces deux publics."
)
CLASS_CHOICE_MESSAGE = (
    "Cette classe n'est pas une classe de l'école de cet espace pour l'année scolaire en "
    "cours."
)
SCHOOL_CHOICE_MESSAGE = (
    "Cette école n'est pas une école ouverte dont la commune de cet espace a la charge."
)


class PublicationForm(WagtailAdminPageForm):
    """The admin form of every publication (news, event, standard page): its audience
    choices are those of its space — the classes of the space's school this school
    year, the open schools in the charge of the space's commune — and the audiences
    that make no sense there are refused, in French."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from pages.visibility import space_of
        from profiles.models import School, SchoolClass, current_school_year

        where = self.parent_page if self.parent_page is not None else self.instance
        self.space = space_of(where) if where is not None and where.path else None
        school_id = getattr(self.space, "school_id", None)
        commune_id = getattr(self.space, "collectivity_id", None)
        if "audience_classes" in self.fields:
            field = self.fields["audience_classes"]
            field.queryset = (
                SchoolClass.objects.filter(school_id=school_id, school_year=current_school_year())
                if school_id else SchoolClass.objects.none()
            )
            field.error_messages["invalid_choice"] = CLASS_CHOICE_MESSAGE
        if "audience_schools" in self.fields:
            field = self.fields["audience_schools"]
            field.queryset = (
                School.objects.open().filter(collectivity_id=commune_id)
                if commune_id else School.objects.none()
            )
            field.error_messages["invalid_choice"] = (
                SCHOOL_CHOICE_MESSAGE if commune_id else SCHOOLS_IN_SCHOOL_MESSAGE
            )

    def clean(self):
        from pages.models import Audience, CollectivitySpacePage, SchoolSpacePage

        cleaned = super().clean()
        audience = cleaned.get("audience")
        classes = cleaned.get("audience_classes")
        if audience is None:
            return cleaned
        if self.space is None:
            if audience not in (Audience.PUBLIC, Audience.COMMUNITY):
                self.add_error("audience", OUTSIDE_SPACE_MESSAGE)
        elif isinstance(self.space, CollectivitySpacePage):
            if audience == Audience.CLASSES:
                self.add_error("audience", CLASSES_IN_COMMUNE_MESSAGE)
        elif isinstance(self.space, SchoolSpacePage):
            if audience == Audience.CLASSES and not classes:
                self.add_error("audience_classes", CLASSES_REQUIRED_MESSAGE)
        # Choices that the audience does not use are not kept (they would say nothing).
        if audience != Audience.CLASSES and "audience_classes" in cleaned:
            cleaned["audience_classes"] = self.fields["audience_classes"].queryset.none()
        if (audience not in (Audience.PARENTS, Audience.STAFF)
                and "audience_schools" in cleaned):
            cleaned["audience_schools"] = self.fields["audience_schools"].queryset.none()
        return cleaned

