"""« Import de l'annuaire » in Wagtail's admin: upload, dry run, report, confirm.

Académie staff import AAF files (several XML files, or one ZIP of them) or a
school's ONDE extraction; a director of publication imports the ONDE extraction
of a school she directs. The view is thin: `profiles.importing.run_import` checks
the actor again at each step (the dry run and the confirmation), whatever the
form offered. The uploaded files wait in a private folder (never under MEDIA_ROOT)
between the dry run and the confirmation, named by a random token kept in the
uploader's session: nobody else can confirm her import; they are deleted after
the confirmation, and those left unconfirmed for a day are deleted at the next upload."""

import secrets
import shutil
import time
import zipfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from profiles import selectors
from profiles.importing import run_import
from profiles.models import School

SESSION_KEY = "directory_imports"


def may_import(user) -> bool:
    return selectors.is_academie_staff(user) or selectors.directs_a_school(user)


def upload_root() -> Path:
    return Path(settings.DIRECTORY_IMPORT_DIR)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="Fichiers", widget=forms.RadioSelect,
        choices=[("onde", "Extraction ONDE d'une école (3 fichiers CSV)"),
                 ("aaf", "Fichiers AAF 1D (XML, ou une archive ZIP de ces fichiers)")],
        initial="onde",
    )
    school = forms.ModelChoiceField(
        label="École (extraction ONDE)", queryset=School.objects.none(), required=False,
        empty_label="— Choisissez l'école —",
    )
    uai = forms.CharField(label="ou son code UAI", max_length=8, required=False)
    files = MultipleFileField(label="Fichiers", error_messages={"required": "Choisissez les fichiers."})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = selectors.is_academie_staff(user)
        if self.staff:
            self.fields["school"].widget = forms.HiddenInput()
        else:
            self.fields["kind"].choices = self.fields["kind"].choices[:1]
            self.fields["school"].queryset = School.objects.open().filter(
                pk__in=selectors.directed_school_ids(user)).order_by("name")
            del self.fields["uai"]

    def clean(self):
        data = super().clean()
        if data.get("kind") == "onde":
            school = data.get("school")
            uai = (data.get("uai") or "").strip().upper()
            if school is None and not uai:
                raise ValidationError("Choisissez l'école de l'extraction ONDE.")
            data["uai_value"] = school.uai if school else uai
        limit = settings.DIRECTORY_IMPORT_UPLOAD_MAX_BYTES
        for f in data.get("files") or []:
            if f.size > limit:
                raise ValidationError(
                    f"« {f.name} » est trop volumineux ({f.size // (1024 * 1024)} Mo ; au plus "
                    f"{limit // (1024 * 1024)} Mo par l'administration — au-delà, l'import se fait "
                    "par la commande import_aaf sur le serveur)."
                )
        return data


def _safe_name(name: str) -> str:
    name = Path(name.replace("\\", "/")).name
    if not name or name.startswith("."):
        raise ValidationError(f"Nom de fichier refusé : « {name} ».")
    return name


PENDING_SECONDS = 24 * 3600


def _purge_forgotten() -> None:
    """Uploads never confirmed (she closed the tab) are deleted after a day."""
    root = upload_root()
    if not root.is_dir():
        return
    limit = time.time() - PENDING_SECONDS
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def _store(files, folder: Path) -> None:
    """Write the uploaded files (a ZIP is unpacked: its XML and CSV files, flat)."""
    _purge_forgotten()
    folder.mkdir(parents=True)
    limit = settings.DIRECTORY_IMPORT_UPLOAD_MAX_BYTES
    for f in files:
        name = _safe_name(f.name)
        if name.lower().endswith(".zip"):
            try:
                archive = zipfile.ZipFile(f)
                members = [m for m in archive.infolist() if not m.is_dir()]
                if sum(m.file_size for m in members) > 10 * limit:
                    raise ValidationError(f"L'archive « {name} » décompressée est trop volumineuse.")
                for member in members:
                    inner = _safe_name(member.filename)
                    if inner.lower().endswith((".xml", ".csv")):
                        with archive.open(member) as src, open(folder / inner, "wb") as dst:
                            shutil.copyfileobj(src, dst)
            except zipfile.BadZipFile as exc:
                raise ValidationError(f"« {name} » n'est pas une archive ZIP lisible.") from exc
            continue
        with open(folder / name, "wb") as dst:
            for chunk in f.chunks():
                dst.write(chunk)


def import_view(request):
    if not may_import(request.user):
        raise Http404
    pending = request.session.get(SESSION_KEY, {})
    context = {"report": None, "header_title": "Import de l'annuaire",
               "page_title": "Import de l'annuaire", "header_icon": "download"}
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"]
        job = pending.pop(token, None)
        request.session[SESSION_KEY] = pending
        folder = upload_root() / token
        if job is None or not folder.is_dir():
            form = ImportForm(user=request.user)
            context["error"] = ("Cet import n'est plus en attente (déjà confirmé, ou expiré) : "
                                "déposez de nouveau les fichiers.")
        else:
            form = None
            try:
                context["report"] = run_import(kind=job["kind"], uai=job["uai"], folder=folder,
                                               apply=True, by=request.user)
            except (PermissionDenied, ValidationError) as exc:
                context["error"] = _message(exc)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            kind, uai = form.cleaned_data["kind"], form.cleaned_data.get("uai_value")
            token = secrets.token_urlsafe(16)
            folder = upload_root() / token
            try:
                _store(form.cleaned_data["files"], folder)
                report = run_import(kind=kind, uai=uai, folder=folder, by=request.user)
            except (PermissionDenied, ValidationError) as exc:
                shutil.rmtree(folder, ignore_errors=True)
                context["error"] = _message(exc)
            else:
                context["report"] = report
                if report.fatal or not any(s.changed for s in report.schools):
                    shutil.rmtree(folder, ignore_errors=True)
                else:
                    pending[token] = {"kind": kind, "uai": uai}
                    request.session[SESSION_KEY] = pending
                    context["token"] = token
    else:
        form = ImportForm(user=request.user)
    context["form"] = form
    return render(request, "profiles/admin/directory_import.html", context)


def _message(exc) -> str:
    if isinstance(exc, PermissionDenied):
        return str(exc) or "Vous n'avez pas le droit de faire cet import."
    return " ".join(exc.messages)


urlpatterns = [path("", import_view, name="import")]


@hooks.register("register_admin_urls")
def register_import_urls():
    from django.urls import include

    return [path("annuaire/import/", include((urlpatterns, "directory_import"),
                                             namespace="directory_import"))]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return may_import(request.user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem("Import de l'annuaire", reverse("directory_import:import"),
                          icon_name="download", order=260)
