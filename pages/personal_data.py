"""The pages app's part of « Mes données » and of the retention policy.

Pages of a school or collectivity space are institutional publications, made under
the director of publication's responsibility: when their author leaves they are
kept, without her identity (owner and revision author emptied; the page log entries
she made lose her as their user in `profiles.personal_data.forget_in_audit_log`, which
covers every audit-log model). Content authored in community spaces (later features)
follows the registry's rule: kept anonymously unless she objected."""

from wagtail.models import Page, Revision

from profiles.personal_data import PersonalDataPart, registry


def export_pages(user) -> list:
    rows = Page.objects.filter(owner=user).order_by("path").only(
        "title", "url_path", "live", "first_published_at"
    )
    return [
        {
            "titre": p.title,
            "chemin": p.url_path,
            "publiee": p.live,
            "premiere_publication": p.first_published_at.isoformat() if p.first_published_at else None,
        }
        for p in rows
    ]


def retain_pages(user, *, keep_authored: bool, apply: bool) -> str:
    pages = Page.objects.filter(owner=user)
    revisions = Revision.objects.filter(user=user)
    n_pages, n_revisions = pages.count(), revisions.count()
    if apply:
        pages.update(owner=None)
        revisions.update(user=None)
    if not (n_pages or n_revisions):
        return ""
    return f"{n_pages} pages et {n_revisions} révisions conservées sans son nom"


def register_pages_part() -> None:
    registry.register(PersonalDataPart(
        "pages", "Pages dont vous êtes l'auteur", export_pages, retain_pages, order=60,
        labels={"titre": "Titre", "chemin": "Adresse", "publiee": "Publiée",
                "premiere_publication": "Première publication"},
    ))
