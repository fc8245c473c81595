"""The demo's publications: enough to try every case of issue 7 by hand.

Each entry is looked up by its space and slug; `seed_demo` creates it once, in the
state it names, through Wagtail's own API (revisions, scheduled publication, the
approval workflow, `publish_scheduled`) and `pages.publishing` for the unpublication
with a reason. Dates are relative to the day the demo is loaded.

States:
- ``published``: live (first published `days_ago` days before the seed);
- ``expired``: published, then its `expire_at` passed and `publish_scheduled`
  unpublished it (Wagtail marks it expired);
- ``scheduled``: approved for publication at `go_live_at`, not live yet;
- ``pending``: a draft submitted to the approval workflow, waiting for the director;
- ``unpublished``: published, then unpublished by the director with a reason.

What each demo user should find is in README.md (« Comptes de démonstration »)."""

from pages.models import Audience

PRESENTATIONS = {
    "bastide": (
        "Présentation de l'école",
        "Bienvenue à l'école élémentaire La Bastide.",
        "<p>Huit classes du CP au CM2, au cœur du quartier de la Bastide.</p>",
    ),
    "jaures": (
        "Présentation de l'école",
        "Bienvenue à l'école élémentaire Jean Jaurès.",
        "<p>L'école accueille 210 élèves répartis en huit classes, du CP au CM2. "
        "Les horaires : 8 h 30 – 11 h 45 et 13 h 45 – 16 h 30.</p>"
        "<p>L'accueil périscolaire ouvre dès 7 h 30 et jusqu'à 18 h 30.</p>",
    ),
    "tilleuls": (
        "Présentation de l'école",
        "Bienvenue à l'école maternelle Les Tilleuls.",
        "<p>Quatre classes, de la petite à la grande section, dans un jardin arboré. "
        "Accueil des familles chaque matin de 8 h 20 à 8 h 40.</p>",
    ),
    "ferry": (
        "Présentation de l'école",
        "Bienvenue à l'école primaire Jules Ferry d'Albi.",
        "<p>L'école compte six classes, de la maternelle au CM2, à deux pas de la cathédrale "
        "Sainte-Cécile. Les horaires : 8 h 45 – 12 h et 14 h – 16 h 45.</p>",
    ),
    "curie": (
        "Présentation de l'école",
        "Bienvenue à l'école élémentaire Marie Curie.",
        "<p>L'école accueille 180 élèves en sept classes. Elle participe au projet "
        "« Sciences à l'école » avec l'université de Montpellier.</p>",
    ),
}

N, E = "news", "event"

# space: a school key (seed_demo.SCHOOLS) or "commune:<name>".
# author: who writes it; a director (or the référent ville) publishes her own items.
PUBLICATIONS = [
    # --- Jean Jaurès: each audience --------------------------------------------------
    dict(
        space="jaures", kind=N, slug="inscriptions-cp-rentree", author="directrice.jaures",
        title="Inscriptions en CP pour la rentrée prochaine", audience=Audience.PUBLIC,
        state="published", days_ago=12,
        intro="Les familles dont l'enfant entre au CP peuvent l'inscrire dès maintenant.",
        body="<p>L'inscription se fait d'abord en mairie (service Éducation), puis à l'école "
             "sur rendez-vous. Apportez le livret de famille, un justificatif de domicile et le "
             "carnet de santé.</p><ul><li>Rendez-vous : 05 61 00 00 00</li>"
             "<li>Permanence : le mardi de 16 h 30 à 18 h</li></ul>",
    ),
    dict(
        space="jaures", kind=N, slug="nouveaux-horaires-bcd", author="directrice.jaures",
        title="La bibliothèque de l'école change d'horaires", audience=Audience.COMMUNITY,
        state="published", days_ago=9,
        intro="La BCD ouvre désormais aussi le jeudi midi.",
        body="<p>Grâce à deux parents bénévoles, la bibliothèque (BCD) est ouverte le lundi, "
             "le mardi et le <strong>jeudi de 12 h à 13 h 30</strong>. Chaque élève peut "
             "emprunter deux livres pour deux semaines.</p>",
    ),
    dict(
        space="jaures", kind=N, slug="cantine-menus-periscolaire", author="directrice.jaures",
        title="Cantine et périscolaire : ce qui change au retour des vacances",
        audience=Audience.PARENTS, state="published", days_ago=6,
        intro="Inscriptions à la cantine et à l'accueil du soir, réservées aux familles.",
        body="<p>Les inscriptions à la cantine et à l'accueil du soir se font désormais "
             "chaque mois sur le portail Famille de la mairie, avant le 20. Les menus sont "
             "affichés à l'entrée de l'école.</p><p>En cas d'allergie, un projet d'accueil "
             "individualisé (PAI) est à demander à la direction.</p>",
    ),
    dict(
        space="jaures", kind=N, slug="conseil-des-maitres", author="directrice.jaures",
        title="Conseil des maîtres : ordre du jour", audience=Audience.STAFF,
        state="published", days_ago=4,
        intro="Jeudi, 16 h 45, salle des maîtres.",
        body="<ol><li>Organisation de la kermesse</li><li>Projet d'école : bilan du "
             "trimestre</li><li>Exercice d'évacuation du prochain mois</li></ol>"
             "<p>Merci d'apporter vos propositions de stands.</p>",
    ),
    dict(
        space="jaures", kind=N, slug="sortie-musee-augustins-cm1a", author="directrice.jaures",
        title="Les CM1 A au musée des Augustins", audience=Audience.CLASSES,
        classes=["CM1 A"], state="published", days_ago=2,
        intro="Sortie de la classe de CM1 A, mardi prochain, toute la journée.",
        body="<p>Départ en métro à 8 h 45, retour à l'école vers 16 h. Prévoir un "
             "pique-nique, une gourde et des chaussures confortables. L'autorisation de "
             "sortie est à rendre signée vendredi au plus tard.</p>",
    ),
    dict(
        space="jaures", kind=E, slug="reunion-parents-professeurs", author="directrice.jaures",
        title="Réunion parents-professeurs", audience=Audience.PARENTS,
        state="published", days_ago=3, starts_in_days=10, starts_at="17:30", ends_at="19:30",
        place="École Jean Jaurès, salle polyvalente",
        intro="Rencontre avec les enseignants de chaque classe.",
        body="<p>Chaque enseignant présente le programme de l'année et répond aux questions "
             "des familles. Un temps d'échange individuel est possible sur rendez-vous.</p>",
    ),
    dict(
        space="jaures", kind=E, slug="kermesse", author="directrice.jaures",
        title="Kermesse de l'école", audience=Audience.COMMUNITY,
        state="published", days_ago=1, starts_in_days=24, starts_at="14:00", ends_at="18:00",
        place="Cour de l'école Jean Jaurès",
        intro="Jeux, spectacle des élèves et goûter partagé.",
        body="<p>Les stands sont tenus par les familles et les enseignants. Les bénéfices "
             "financeront la classe de découverte des CM2.</p>",
    ),
    # --- Jean Jaurès: the other states ----------------------------------------------------
    dict(
        space="jaures", kind=N, slug="greve-accueil-jeudi", author="directrice.jaures",
        title="Grève de jeudi : accueil des élèves", audience=Audience.COMMUNITY,
        state="expired", days_ago=15, expired_days_ago=8,
        intro="Un service minimum d'accueil est organisé par la mairie.",
        body="<p>Trois enseignants sur huit seront en grève. La mairie assure un service "
             "minimum d'accueil de 8 h 30 à 16 h 30. La cantine fonctionne normalement.</p>",
    ),
    dict(
        space="jaures", kind=N, slug="photos-de-classe", author="directrice.jaures",
        title="Photos de classe", audience=Audience.COMMUNITY,
        state="scheduled", go_live_in_days=5,
        intro="Le photographe passera dans toutes les classes.",
        body="<p>Les photos individuelles et de groupe seront prises le matin. Les bons de "
             "commande seront distribués dans les cahiers de liaison.</p>",
    ),
    dict(
        space="jaures", kind=N, slug="sortie-cite-espace-cm1a", author="enseignant.jaures",
        title="Projet : sortie à la Cité de l'espace", audience=Audience.CLASSES,
        classes=["CM1 A"], state="pending",
        intro="Les CM1 A découvriront le planétarium et la station Mir.",
        body="<p>Dans le cadre de notre travail sur le système solaire, la classe visitera la "
             "Cité de l'espace. Le coût du transport est pris en charge par la coopérative "
             "scolaire.</p>",
    ),
    dict(
        space="jaures", kind=N, slug="vente-gateaux", author="directrice.jaures",
        title="Vente de gâteaux au profit de la coopérative", audience=Audience.COMMUNITY,
        state="unpublished", days_ago=7,
        reason="Date erronée : la vente est reportée, une nouvelle annonce suivra.",
        intro="Vendredi à la sortie des classes.",
        body="<p>Les familles qui le souhaitent peuvent apporter un gâteau le matin. "
             "Les bénéfices vont à la coopérative scolaire.</p>",
    ),
    # --- Les Tilleuls (Hugo's school) -----------------------------------------------------
    dict(
        space="tilleuls", kind=N, slug="semaine-du-gout", author="directeur.tilleuls",
        title="La semaine du goût en maternelle", audience=Audience.PARENTS,
        state="published", days_ago=5,
        intro="Chaque jour, une saveur à découvrir.",
        body="<p>Sucré, salé, acide, amer : les enfants goûteront un aliment nouveau chaque "
             "matin. Signalez-nous toute allergie avant lundi.</p>",
    ),
    # --- Jules Ferry (Albi): parents only; parent.martin must never see it ---------------
    dict(
        space="ferry", kind=N, slug="classe-decouverte-cm2", author="directrice.ferry",
        title="Classe découverte des CM2 : réunion d'information", audience=Audience.PARENTS,
        state="published", days_ago=8,
        intro="Les familles des CM2 sont invitées à une réunion sur le séjour à la montagne.",
        body="<p>Le séjour aura lieu à Font-Romeu pendant cinq jours. Le coût par famille, "
             "les aides possibles et le trousseau seront présentés lors de la réunion, "
             "mardi à 18 h dans la classe de CM2.</p>",
    ),
    # --- Toulouse (commune): to the parents of all its schools ---------------------------
    dict(
        space="commune:Toulouse", kind=N, slug="centres-de-loisirs-printemps",
        author="referent.toulouse",
        title="Centres de loisirs des vacances de printemps : inscriptions ouvertes",
        audience=Audience.PARENTS, state="published", days_ago=3,
        intro="La Ville de Toulouse informe les parents des élèves de ses écoles.",
        body="<p>Les inscriptions aux accueils de loisirs des vacances de printemps sont "
             "ouvertes jusqu'au 15 du mois prochain, sur le portail Famille ou à l'accueil "
             "de la mairie de quartier.</p><p>Le tarif dépend du quotient familial.</p>",
    ),
]
