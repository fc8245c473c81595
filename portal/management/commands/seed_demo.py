"""Load a small, believable demo: two académies, three communes, four schools,
their classes, pupils, parents, teachers, directors and a référent ville, the
usage charter (adult and pupil versions) that nobody has accepted yet, each school's
public presentation, and publications of every audience and state
(`_demo_publications`; README.md says what each demo user finds).

Idempotent: every object is looked up by its natural key first, so a second run
changes nothing. Refuses to run with DEBUG off unless --force is given."""

from datetime import datetime, time, timedelta
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.rich_text import RichText

from pages.models import (
    Audience,
    CollectivitySpacePage,
    EventPage,
    NewsPage,
    SchoolSpacePage,
    StandardPage,
)
from pages.services import news_index_ensure, portal_tree_ensure, spaces_ensure_all
from portal.management.commands._demo_assistance import seed_assistance
from portal.management.commands._demo_charter import CHARTER_ADULT, CHARTER_PUPIL, CHARTER_TITLE
from portal.management.commands._demo_enrolment import seed_enrolment
from portal.management.commands._demo_moderation import seed_moderation
from portal.management.commands._demo_publications import PRESENTATIONS, PUBLICATIONS
from profiles import services
from profiles.models import (
    Academie,
    Attachment,
    Charter,
    Circonscription,
    Collectivity,
    Departement,
    NationalProfile as P,
    Role,
    RoleGrant,
    School,
    SchoolClass,
    User,
)
from profiles.validators import luhn_complete, uai_check_letter

DEMO_PASSWORD = "demo"


def uai(digits: str) -> str:
    return digits + uai_check_letter(digits)


ACADEMIES = [("16", "Toulouse"), ("11", "Montpellier")]
DEPARTEMENTS = [("31", "Haute-Garonne", "16"), ("81", "Tarn", "16"), ("34", "Hérault", "11")]
CIRCONSCRIPTIONS = [
    ("31", "Toulouse Centre"), ("31", "Toulouse Nord"), ("81", "Albi"), ("34", "Montpellier Centre"),
]
# (name, SIRET, INSEE, département)
COMMUNES = [
    ("Toulouse", "21310555400017", "31555", "31"),
    ("Albi", luhn_complete("2181000400001"), "81004", "81"),
    ("Montpellier", "21340172201787", "34172", "34"),
]
# (key, UAI, name, address, postal code, city, commune, circonscription)
SCHOOLS = [
    ("jaures", uai("0311234"), "École élémentaire Jean Jaurès", "12 rue des Écoles", "31000",
     "Toulouse", "Toulouse", "Toulouse Centre"),
    ("tilleuls", uai("0311567"), "École maternelle Les Tilleuls", "4 allée des Tilleuls", "31200",
     "Toulouse", "Toulouse", "Toulouse Nord"),
    ("ferry", uai("0810321"), "École primaire Jules Ferry", "1 place du Vigan", "81000", "Albi",
     "Albi", "Albi"),
    ("curie", uai("0340789"), "École élémentaire Marie Curie", "30 avenue de Lodève", "34070",
     "Montpellier", "Montpellier", "Montpellier Centre"),
    # Not enrolled by Toulouse this year (enrolment/): referent.toulouse enrols it by hand.
    ("bastide", uai("0311890"), "École élémentaire La Bastide", "8 rue de la Bastide", "31500",
     "Toulouse", "Toulouse", "Toulouse Nord"),
]
# (school key, level, name)
CLASSES = [
    ("jaures", "CM1", "CM1 A"), ("jaures", "CE2", "CE2 B"),
    ("tilleuls", "MS", "Moyenne section"), ("tilleuls", "GS", "Grande section"),
    ("ferry", "CP", "CP"), ("ferry", "CM2", "CM2"),
    ("curie", "CE1", "CE1"), ("curie", "CM2", "CM2 Curie"),
]
# (username, first name, last name, profiles)
PEOPLE = [
    ("admin", "Hélène", "Garcia", [P.ACADEMIE]),
    ("agent.academie", "Martine", "Vidal", [P.ACADEMIE]),
    ("directrice.jaures", "Sophie", "Bernard", [P.DIRECTOR]),
    ("enseignant.jaures", "Marc", "Petit", [P.TEACHER]),
    ("directeur.tilleuls", "Karim", "Benali", [P.DIRECTOR]),
    ("directrice.ferry", "Anne", "Fabre", [P.DIRECTOR]),
    ("directeur.curie", "Paul", "Roussel", [P.DIRECTOR]),
    ("enseignante.curie", "Inès", "Moreau", [P.TEACHER, P.PARENT]),
    ("referent.toulouse", "Nadia", "Roux", [P.COLLECTIVITY]),
    ("agent.toulouse", "Thomas", "Lefèvre", [P.COLLECTIVITY]),
    ("parent.martin", "Claire", "Martin", [P.PARENT]),
    ("parent.durand", "Julien", "Durand", [P.PARENT]),
    ("eleve.martin", "Léa", "Martin", [P.PUPIL]),
    ("eleve.hugo.martin", "Hugo", "Martin", [P.PUPIL]),
    ("eleve.durand", "Emma", "Durand", [P.PUPIL]),
    ("eleve.moreau", "Jules", "Moreau", [P.PUPIL]),
    ("eleve.nguyen", "Lina", "Nguyen", [P.PUPIL]),
    ("eleve.lopez", "Nathan", "Lopez", [P.PUPIL]),
    # Associations (moderation/): two parents members, and a family that said no.
    ("fcpe.jaures", "Linh", "Nguyen", [P.PARENT]),
    ("ape.ferry", "Sébastien", "Lopez", [P.PARENT]),
    ("parent.roche", "Karine", "Roche", [P.PARENT]),
    ("eleve.roche", "Tom", "Roche", [P.PUPIL]),
]
K = Attachment.Kind
# (username, kind, school key, class name, commune, pupil username)
ATTACHMENTS = [
    ("directrice.jaures", K.DIRECTOR, "jaures", None, None, None),
    ("directrice.jaures", K.TEACHER, "jaures", None, None, None),
    ("enseignant.jaures", K.TEACHER, "jaures", None, None, None),
    ("enseignant.jaures", K.TEACHER, "jaures", "CM1 A", None, None),
    ("directeur.tilleuls", K.DIRECTOR, "tilleuls", None, None, None),
    ("directrice.ferry", K.DIRECTOR, "ferry", None, None, None),
    ("directeur.curie", K.DIRECTOR, "curie", None, None, None),
    ("enseignante.curie", K.TEACHER, "curie", "CE1", None, None),
    ("referent.toulouse", K.COLLECTIVITY_STAFF, None, None, "Toulouse", None),
    ("agent.toulouse", K.COLLECTIVITY_STAFF, None, None, "Toulouse", None),
    ("eleve.martin", K.PUPIL, "jaures", "CM1 A", None, None),
    ("eleve.hugo.martin", K.PUPIL, "tilleuls", "Moyenne section", None, None),
    ("eleve.nguyen", K.PUPIL, "jaures", "CE2 B", None, None),
    ("eleve.durand", K.PUPIL, "ferry", "CM2", None, None),
    ("eleve.lopez", K.PUPIL, "ferry", "CP", None, None),
    ("eleve.moreau", K.PUPIL, "curie", "CM2 Curie", None, None),
    ("parent.martin", K.GUARDIAN, None, None, None, "eleve.martin"),
    ("parent.martin", K.GUARDIAN, None, None, None, "eleve.hugo.martin"),
    ("parent.martin", K.PARENT_ELU, "jaures", None, None, None),
    ("parent.durand", K.GUARDIAN, None, None, None, "eleve.durand"),
    ("enseignante.curie", K.GUARDIAN, None, None, None, "eleve.moreau"),
    ("eleve.roche", K.PUPIL, "jaures", "CE2 B", None, None),
    ("fcpe.jaures", K.GUARDIAN, None, None, None, "eleve.nguyen"),
    ("ape.ferry", K.GUARDIAN, None, None, None, "eleve.lopez"),
    ("parent.roche", K.GUARDIAN, None, None, None, "eleve.roche"),
]
# Pupils whose record does not carry ONDE's « autorisation associations »: their
# guardians receive no association message.
NO_ASSOCIATION_CONSENT = {"eleve.roche"}


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent ; refuse de tourner en production)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true",
            help="Charger la démonstration même quand DEBUG est désactivé.",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuse de tourner quand DEBUG est désactivé : ce serait charger "
                "des comptes de démonstration (mot de passe « demo ») en production. "
                "Ajoutez --force si c'est vraiment voulu."
            )
        with transaction.atomic():
            self.seed()
        self.stdout.write(self.style.SUCCESS(
            "Démonstration prête. Comptes (mot de passe « demo ») : admin, agent.academie, "
            "directrice.jaures, enseignant.jaures, referent.toulouse, agent.toulouse, parent.martin, "
            "parent.durand, eleve.martin, fcpe.jaures, ape.ferry, parent.roche. À la première "
            "connexion, chacun accepte la charte."
        ))

    def seed(self):
        portal_tree_ensure()
        academies = {
            code: Academie.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in ACADEMIES
        }
        departements = {
            code: Departement.objects.get_or_create(
                code=code, defaults={"name": name, "academie": academies[aca]}
            )[0]
            for code, name, aca in DEPARTEMENTS
        }
        circos = {
            name: Circonscription.objects.get_or_create(
                departement=departements[dep], name=name
            )[0]
            for dep, name in CIRCONSCRIPTIONS
        }
        communes = {}
        # Structures through their service, like the admin: each gets its space,
        # its media collection and its derived groups at once.
        for name, siret, insee, dep in COMMUNES:
            commune = Collectivity.objects.filter(siret=siret).first() or services.structure_create(
                model=Collectivity, name=name, siret=siret, insee_code=insee,
                departement=departements[dep],
            )
            communes[name] = commune
        schools = {}
        for key, code, name, address, postal, city, commune, circo in SCHOOLS:
            schools[key] = School.objects.filter(uai=code).first() or services.structure_create(
                model=School, uai=code, name=name, address=address, postal_code=postal, city=city,
                collectivity=communes[commune], circonscription=circos[circo],
            )
        classes = {}
        for key, level, name in CLASSES:
            classes[name] = SchoolClass.objects.get_or_create(
                school=schools[key], school_year=settings.SCHOOL_YEAR, name=name,
                defaults={"level": level},
            )[0]
        users = {}
        for username, first, last, profiles in PEOPLE:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, first_name=first, last_name=last,
                            email=f"{username}@demo.ent-ecole.invalid")
                if username == "admin":
                    user.is_superuser = True
                    user.is_staff = True
                user.set_password(DEMO_PASSWORD)
                user.save()
            for profile in profiles:
                services.profile_add(user=user, profile=profile)
            users[username] = user
        # Spaces before attachments, so that rights are derived onto existing pages.
        spaces_ensure_all()
        for username, kind, school, klass, commune, pupil in ATTACHMENTS:
            fields = {
                "user": users[username], "kind": kind, "school_year": settings.SCHOOL_YEAR,
                "school": schools[school] if school else None,
                "school_class": classes[klass] if klass else None,
                "collectivity": communes[commune] if commune else None,
                "pupil": users[pupil] if pupil else None,
            }
            if not Attachment.objects.filter(**fields).exists():
                if username in NO_ASSOCIATION_CONSENT and kind == K.PUPIL:
                    fields["association_consent"] = False
                services.attachment_add(**fields)
        toulouse = communes["Toulouse"]
        if not RoleGrant.objects.open().filter(role=Role.REFERENT_VILLE, collectivity=toulouse).exists():
            services.role_grant(role=Role.REFERENT_VILLE, user=users["referent.toulouse"],
                                collectivity=toulouse)
        if not RoleGrant.objects.open().filter(
            role=Role.PUBLISHER, collectivity=toulouse, user=users["agent.toulouse"]
        ).exists():
            services.role_grant(role=Role.PUBLISHER, user=users["agent.toulouse"],
                                collectivity=toulouse)
        self.seed_pages(schools, communes, classes, users)
        seed_moderation(schools, classes, users)
        self.seed_gar(schools, users)
        seed_assistance(schools, users)
        seed_enrolment(schools, communes, users)
        self.seed_charter()

    def seed_gar(self, schools, users):
        """The GAR (gar/) activated for Jean Jaurès and Marie Curie: Jaurès's assignment
        manager is its director (by default), Curie's director named a teacher instead;
        Jaurès has a group, « Chorale », across two classes."""
        from gar import services as gar_services
        from gar.models import AssignmentManager, TeachingGroup

        for key in ("jaures", "curie"):
            gar_services.gar_activate(school=schools[key], by=None)
        if not AssignmentManager.objects.filter(school=schools["curie"]).exists():
            gar_services.manager_name(school=schools["curie"], user=users["enseignante.curie"],
                                      by=users["directeur.curie"])
        if not TeachingGroup.objects.filter(school=schools["jaures"]).exists():
            gar_services.group_save(school=schools["jaures"], name="Chorale",
                                    pupils=[users["eleve.martin"], users["eleve.nguyen"]],
                                    teachers=[users["enseignant.jaures"]], by=users["directrice.jaures"])

    def seed_charter(self):
        """Version 1 of the charter, published, in force since the start of the school
        year. Nobody has accepted it: the first login of every demo user shows it."""
        if Charter.objects.filter(version=1).exists():
            return
        start = int(settings.SCHOOL_YEAR.split("-")[0])
        charter = Charter(
            version=1, title=CHARTER_TITLE, text_adult=CHARTER_ADULT.strip(),
            text_pupil=CHARTER_PUPIL.strip(), requires_reacceptance=True,
            effective_at=timezone.make_aware(datetime(start, 9, 1)),
        )
        charter.full_clean()
        charter.save()
        charter.save_revision().publish()

    def seed_pages(self, schools, communes, classes, users):
        """Each school's presentation (public), then the publications of
        `_demo_publications`, each created once in the state it names."""
        for key, (title, intro, body) in PRESENTATIONS.items():
            space = SchoolSpacePage.objects.get(school=schools[key])
            page = StandardPage.objects.child_of(space).filter(slug="presentation").first()
            if page is None:
                page = space.add_child(instance=StandardPage(
                    title=title, slug="presentation", intro=intro, audience=Audience.PUBLIC,
                    body=[("text", RichText(body))], live=False,
                ))
                page.save_revision().publish()
            elif page.audience != Audience.PUBLIC:
                # A demo loaded before publications had an audience: a school's
                # presentation is public.
                page.audience = Audience.PUBLIC
                page.save_revision().publish()
        indexes = {
            key: news_index_ensure(SchoolSpacePage.objects.get(school=school))
            for key, school in schools.items()
        }
        for name, commune in communes.items():
            indexes[f"commune:{name}"] = news_index_ensure(
                CollectivitySpacePage.objects.get(collectivity=commune))
        created = []
        for spec in PUBLICATIONS:
            index = indexes[spec["space"]]
            if not index.get_children().filter(slug=spec["slug"]).exists():
                created.append(self.seed_publication(index, spec, classes, users))
        if any(spec["state"] == "expired" for spec in created):
            # The periodic job (docs/OPERATIONS.md) unpublishes what has expired.
            call_command("publish_scheduled", stdout=StringIO())

    def seed_publication(self, index, spec, classes, users):
        now = timezone.now()
        author = users[spec["author"]]
        model = EventPage if spec["kind"] == "event" else NewsPage
        fields = {
            "title": spec["title"], "slug": spec["slug"], "intro": spec["intro"],
            "audience": spec["audience"], "body": [("text", RichText(spec["body"]))],
            "owner": author, "live": False,
        }
        if model is EventPage:
            day = timezone.localdate(now) + timedelta(days=spec["starts_in_days"])
            fields["starts_at"] = _local(day, spec["starts_at"])
            fields["ends_at"] = _local(day, spec["ends_at"])
            fields["place"] = spec["place"]
        if "days_ago" in spec:
            fields["first_published_at"] = now - timedelta(days=spec["days_ago"])
        if spec["state"] == "expired":
            fields["expire_at"] = now - timedelta(days=spec["expired_days_ago"])
        if spec["state"] == "scheduled":
            fields["go_live_at"] = now + timedelta(days=spec["go_live_in_days"])
        page = model(**fields)
        if spec.get("classes"):
            page.audience_classes = [classes[name] for name in spec["classes"]]
        index.add_child(instance=page)
        revision = page.save_revision(user=author)
        log(instance=page, action="wagtail.create", user=author, revision=revision,
            content_changed=True)
        if spec["state"] == "pending":
            # The teacher submits: the workflow of the page (the one approval
            # workflow) waits for the director of publication of the space.
            page.get_workflow().start(page, author)
            return spec
        revision.publish(user=author)
        if spec["state"] == "unpublished":
            from pages.publishing import publication_unpublish

            publication_unpublish(type(page).objects.get(pk=page.pk), by=author,
                                  reason=spec["reason"])
        return spec


def _local(day, hhmm: str):
    hour, minute = (int(part) for part in hhmm.split(":"))
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))
