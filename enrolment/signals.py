"""At login, the people of a school that is not active this year are told why."""

from django.contrib import messages


def tell_inactive_schools(sender, request, user, **kwargs):
    from enrolment.selectors import inactive_schools_of

    if request is None or not hasattr(request, "_messages"):
        return
    for school in inactive_schools_of(user):
        messages.warning(
            request,
            f"L'espace de l'école « {school.name} » n'est pas ouvert cette année scolaire : sa "
            f"collectivité ({school.collectivity.name}) ne l'a pas encore inscrite au portail. "
            "Seuls les services de l'académie y ont accès ; il rouvrira dès son inscription. "
            "Parlez-en à la direction de l'école ou à votre mairie.")
