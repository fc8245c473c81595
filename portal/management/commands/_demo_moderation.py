"""The associations of the demo (README.md says what to try): « Conseil local FCPE Jean
Jaurès » (member `fcpe.jaures`) authorised by `directrice.jaures` until the end of the
school year, with one message approved and delivered, one pending, one rejected with its
reason; « APE Jules Ferry » (member `ape.ferry`) authorised in Jules Ferry, whose
pending message Jaurès's director never sees. Everything through the services."""

from moderation import services as ms
from moderation.models import Association, Audience, Authorization, DecisionCategory, Message

FCPE = "Conseil local FCPE Jean Jaurès"
APE = "APE Jules Ferry"

MESSAGES = [
    # (association, school key, author, subject, body, audience, classes, state, decision)
    (FCPE, "jaures", "fcpe.jaures", "Réunion du conseil local jeudi 18 h",
     "Bonjour à toutes et à tous,\n\nLe conseil local FCPE vous invite à sa réunion de rentrée, "
     "jeudi à 18 h dans la salle polyvalente de l'école. Ordre du jour : les élections des "
     "représentants de parents, la cantine, les sorties de l'année.\n\nVenez nombreux !",
     Audience.PARENTS, [], "approved", None),
    (FCPE, "jaures", "fcpe.jaures", "Bourse aux livres samedi matin",
     "Bonjour,\n\nLa bourse aux livres de l'association aura lieu samedi de 9 h à 12 h sous le "
     "préau. Déposez vos livres vendredi soir.",
     Audience.CLASSES, ["CM1 A", "CE2 B"], "pending", None),
    (FCPE, "jaures", "fcpe.jaures", "Soutenez notre liste aux municipales",
     "Bonjour,\n\nVotez pour la liste de notre président aux prochaines élections municipales !",
     Audience.PARENTS, [], "rejected",
     (DecisionCategory.NEUTRALITY,
      "Un message aux parents ne peut pas soutenir une liste électorale : la neutralité "
      "politique s'impose dans l'école.")),
    (APE, "ferry", "ape.ferry", "Loto de l'école le 12",
     "Bonjour,\n\nL'APE organise le loto de l'école : venez en famille, nombreux lots à gagner.",
     Audience.PARENTS, [], "pending", None),
]


def seed_moderation(schools, classes, users):
    associations = {}
    for name, key, director, member in ((FCPE, "jaures", "directrice.jaures", "fcpe.jaures"),
                                        (APE, "ferry", "directrice.ferry", "ape.ferry")):
        association = Association.objects.filter(name=name).first()
        if association is None:
            association = ms.association_create(
                by=users[director], name=name, kind=Association.Kind.LOCAL,
                contact_email=f"{member}@demo.ent-ecole.invalid", contact_name=str(users[member]))
            ms.member_add(by=users[director], association=association, user=users[member])
        if not Authorization.objects.current().filter(association=association,
                                                      school=schools[key]).exists():
            ms.authorization_grant(by=users[director], association=association,
                                   school=schools[key])
        associations[name] = association
    for name, key, author, subject, body, audience, class_names, state, decision in MESSAGES:
        if Message.objects.filter(association=associations[name], subject=subject).exists():
            continue
        message = ms.message_save(
            by=users[author], association=associations[name], school=schools[key],
            subject=subject, body=body, audience=audience,
            class_ids=[classes[c].pk for c in class_names])
        message = ms.message_submit(by=users[author], message=message, rules_accepted=True)
        director = users["directrice.jaures" if key == "jaures" else "directrice.ferry"]
        if state == "approved":
            ms.message_approve(by=director, message=message, version=message.version)
        elif state == "rejected":
            category, reason = decision
            ms.message_reject(by=director, message=message, version=message.version,
                              category=category, reason=reason)
