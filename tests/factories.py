"""factory_boy factories for the directory. Identifiers are computed (valid UAI
check letters, SIRETs passing Luhn), never hard-coded."""

import datetime

import factory
from django.conf import settings
from django.utils import timezone

from profiles.models import (
    Academie,
    Charter,
    CharterAcceptance,
    Circonscription,
    Collectivity,
    DataRequest,
    Departement,
    NationalProfile,
    School,
    SchoolClass,
    User,
)
from profiles.validators import luhn_complete, uai_check_letter


class AcademieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Academie
        django_get_or_create = ("code",)

    code = "16"
    name = "Toulouse"


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departement
        django_get_or_create = ("code",)

    academie = factory.SubFactory(AcademieFactory)
    code = "31"
    name = "Haute-Garonne"


class CirconscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Circonscription

    departement = factory.SubFactory(DepartementFactory)
    name = factory.Sequence(lambda n: f"Circonscription {n}")


class CollectivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collectivity

    name = factory.Sequence(lambda n: f"Commune {n}")
    siret = factory.Sequence(lambda n: luhn_complete(f"213100{n:07d}"))
    insee_code = factory.Sequence(lambda n: f"31{n % 1000:03d}")
    departement = factory.SubFactory(DepartementFactory)


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    uai = factory.Sequence(lambda n: f"031{n:04d}" + uai_check_letter(f"031{n:04d}"))
    name = factory.Sequence(lambda n: f"École {n}")
    city = "Toulouse"
    collectivity = factory.SubFactory(CollectivityFactory)
    circonscription = factory.SubFactory(CirconscriptionFactory)


class SchoolClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.LazyFunction(lambda: settings.SCHOOL_YEAR)
    level = SchoolClass.Level.CM1
    name = factory.Sequence(lambda n: f"Classe {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", "secret")

    @factory.post_generation
    def profiles(self, create, extracted, **kwargs):
        self.save()
        from profiles.services import profile_add  # through the service, like every door

        for profile in extracted or []:
            profile_add(user=self, profile=NationalProfile(profile))


class CharterFactory(factory.django.DjangoModelFactory):
    """A published charter, in force since yesterday."""

    class Meta:
        model = Charter

    version = factory.Sequence(lambda n: n + 1)
    title = "Charte d'utilisation de l'ENT-école"
    text_adult = factory.LazyAttribute(lambda o: f"<p>Texte pour les adultes, version {o.version}.</p>")
    text_pupil = factory.LazyAttribute(lambda o: f"<p>Texte pour les élèves, version {o.version}.</p>")
    effective_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    requires_reacceptance = True
    live = True


class CharterAcceptanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CharterAcceptance

    user = factory.SubFactory(UserFactory)
    charter = factory.SubFactory(CharterFactory)


class DataRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataRequest

    user = factory.SubFactory(UserFactory)
    kind = DataRequest.Kind.RECTIFICATION
    message = "Mon nom est mal orthographié."
