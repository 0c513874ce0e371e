"""Administration pages: enrol a hospital, register and rotate its keys, revoke a key, issue and revoke upload
tokens, hand in a bundle by hand, manage regulator accounts. Every form is CSRF-checked (Django's middleware),
every destructive action asks for confirmation first, and every write goes through the service layer, which
records it in the registry's hash-chained action log. Administrators only (web.access.administrator)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from checker.errors import InputError
from ihcheck.registry.models import ROLES, Hospital, UploadToken
from ihcheck.registry.services import actions, enrol, intake
from ihcheck.registry.web.access import administrator
from ihcheck.registry.web.views import _hospital, page


class EnrolForm(forms.Form):
    name = forms.CharField(label="名称 Name", max_length=200)
    uscc = forms.CharField(label="统一社会信用代码 Unified social credit code", min_length=18, max_length=18)
    city = forms.CharField(label="城市 City", max_length=64)
    licence = forms.CharField(label="执业许可证号 Practice licence", max_length=64, required=False)
    registered_on = forms.DateField(label="执业登记日期 Registered on (YYYY-MM-DD)", required=False)
    keys = forms.CharField(label="签名密钥指纹 Key fingerprints (ed25519:SHA256:… sm2:SM3:…)", required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class KeyForm(forms.Form):
    fingerprints = forms.CharField(label="新密钥指纹 New key fingerprints (ed25519:SHA256:… sm2:SM3:…)",
                                   widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label="原因 Reason", max_length=500, required=False)


class RevokeKeyForm(forms.Form):
    fingerprint = forms.CharField(label="密钥指纹 Key fingerprint", max_length=80)
    reason = forms.CharField(label="原因 Reason (kept in the record)", max_length=500)


class AccountForm(forms.Form):
    username = forms.CharField(label="用户名 Username", max_length=150)
    role = forms.ChoiceField(label="角色 Role", choices=[("inspector", "只读检查员 read-only inspector"),
                                                         ("administrator", "管理员 administrator")])
    password = forms.CharField(label="密码 Password (12+ characters)", widget=forms.PasswordInput, min_length=12)


class UploadForm(forms.Form):
    bundle = forms.FileField(label="证据包 Bundle (.tar.gz)")


def _username(request: HttpRequest) -> str:
    return str(request.user.get_username())


@administrator
def index(request: HttpRequest) -> HttpResponse:
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                h = enrol.enrol_hospital(name=d["name"], uscc=d["uscc"], city=d["city"], licence=d["licence"],
                                         registered_on=d["registered_on"], actor=_username(request))
                if d["keys"].strip():
                    enrol.add_key(h, d["keys"], actor=_username(request))
        except InputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已登记 enrolled: {h.name} ({h.uscc})")
            return redirect("registry-web:manage-hospital", uscc=h.uscc)
    return page(request, "registry/manage/index.html", {
        "form": form, "hospitals": Hospital.objects.order_by("city", "name"),
        "accounts": User.objects.order_by("username").prefetch_related("groups"), "account_form": AccountForm()},
        status=400 if request.method == "POST" else 200)


def _hospital_page(request: HttpRequest, h: Hospital, status: int = 200, **forms_: Any) -> HttpResponse:
    return page(request, "registry/manage/hospital.html", {
        "hospital": h, "keys": h.keys.order_by("valid_from"), "tokens": UploadToken.objects.filter(hospital=h)
        .order_by("-created_at"), "key_form": forms_.get("key_form") or KeyForm(),
        "rotate_form": forms_.get("rotate_form") or KeyForm(), "upload_form": forms_.get("upload_form") or UploadForm(),
        "token": forms_.get("token"), "refused": forms_.get("refused"), "taken": forms_.get("taken")}, status=status)


@administrator
def hospital(request: HttpRequest, uscc: str) -> HttpResponse:
    return _hospital_page(request, _hospital(uscc))


def _key_action(request: HttpRequest, uscc: str, rotate: bool) -> HttpResponse:
    h = _hospital(uscc)
    if request.method != "POST":
        return redirect("registry-web:manage-hospital", uscc=h.uscc)
    form = KeyForm(request.POST)
    if form.is_valid():
        try:
            if rotate:
                key = enrol.rotate_key(h, form.cleaned_data["fingerprints"], actor=_username(request),
                                       reason=form.cleaned_data["reason"])
            else:
                key = enrol.add_key(h, form.cleaned_data["fingerprints"], actor=_username(request),
                                    reason=form.cleaned_data["reason"])
        except InputError as exc:
            form.add_error("fingerprints", str(exc))
        else:
            done = "已轮换 rotated to" if rotate else "已登记密钥 key registered"
            messages.success(request, f"{done}: {key.ed25519}")
            return redirect("registry-web:manage-hospital", uscc=h.uscc)
    return _hospital_page(request, h, 400, **{"rotate_form" if rotate else "key_form": form})


@administrator
def add_key(request: HttpRequest, uscc: str) -> HttpResponse:
    return _key_action(request, uscc, rotate=False)


@administrator
def rotate_key(request: HttpRequest, uscc: str) -> HttpResponse:
    return _key_action(request, uscc, rotate=True)


def _confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("confirm") == "yes"


@administrator
def revoke_key(request: HttpRequest, uscc: str) -> HttpResponse:
    """GET: the confirmation page; POST with confirm=yes: revoke for good."""
    h = _hospital(uscc)
    form = RevokeKeyForm(request.POST or None, initial={"fingerprint": request.GET.get("key", "")})
    if _confirmed(request) and form.is_valid():
        try:
            key = enrol.find_key(form.cleaned_data["fingerprint"])
            if key.hospital_id != h.pk:
                raise InputError(f"key: {key.ed25519} is not a key of {h.uscc}")
            enrol.revoke_key(key, actor=_username(request), reason=form.cleaned_data["reason"])
        except InputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已吊销 revoked: {key.ed25519}")
            return redirect("registry-web:manage-hospital", uscc=h.uscc)
    return page(request, "registry/manage/confirm.html", {
        "hospital": h, "form": form, "title_zh": "吊销签名密钥", "title_en": "Revoke a signing key",
        "warning": "吊销后，此密钥签署的任何证据包都不再被接受（包括声称更早签署的）。"
                   " Once revoked, nothing this key signed is accepted, whatever signing time it claims."},
        status=400 if request.method == "POST" else 200)


@administrator
def issue_token(request: HttpRequest, uscc: str) -> HttpResponse:
    h = _hospital(uscc)
    if request.method != "POST":
        return redirect("registry-web:manage-hospital", uscc=h.uscc)
    token = enrol.issue_token(h, actor=_username(request))
    return _hospital_page(request, h, token=token)


@administrator
def revoke_tokens(request: HttpRequest, uscc: str) -> HttpResponse:
    h = _hospital(uscc)
    form = forms.Form(request.POST or None)
    if _confirmed(request):
        count = enrol.revoke_tokens(h, actor=_username(request))
        messages.success(request, f"已吊销上传令牌 upload tokens revoked: {count}")
        return redirect("registry-web:manage-hospital", uscc=h.uscc)
    return page(request, "registry/manage/confirm.html", {
        "hospital": h, "form": form, "title_zh": "吊销全部上传令牌", "title_en": "Revoke every upload token",
        "warning": "医院将无法上传，直到签发新令牌。 The hospital cannot upload until a new token is issued."})


@administrator
def upload(request: HttpRequest, uscc: str) -> HttpResponse:
    """An administrator hands a bundle in (delivered on paper media, say): verified exactly as an upload is."""
    h = _hospital(uscc)
    if request.method != "POST":
        return redirect("registry-web:manage-hospital", uscc=h.uscc)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _hospital_page(request, h, 400, upload_form=form)
    file = form.cleaned_data["bundle"]
    limit = int(settings.IHCHECK_MAX_UPLOAD_BYTES)
    name = intake.one_line(f"{str(file.name)[:100]} (web upload by {_username(request)})")
    try:
        if file.size > limit:
            actions.record("refuse", _username(request), hospital=h, source=name, via="web",
                           reason=f"{file.size} bytes, more than the {limit} an upload may hold")
            raise intake.Refused(f"{name}: {file.size} bytes, more than the {limit} an upload may hold")
        taken = intake.take(file.read(), name=name, via="web", actor=_username(request), hospital=h)
    except intake.Refused as exc:
        return _hospital_page(request, h, 422, refused=str(exc))
    return _hospital_page(request, h, 201 if taken.created else 200, taken=taken)


@administrator
def create_account(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            enrol.create_account(d["username"], d["password"], d["role"], actor=_username(request))
        except InputError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已创建账户 account created: {d['username']} ({d['role']})")
    elif request.method == "POST":
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("registry-web:manage")


@administrator
def deactivate_account(request: HttpRequest, username: str) -> HttpResponse:
    """GET: confirm; POST confirm=yes: the account can no longer log in (kept, never deleted: the log names it)."""
    account = User.objects.filter(username=username).first()
    if account is None:
        from django.http import Http404

        raise Http404("no such account")
    form = forms.Form(request.POST or None)
    if _confirmed(request):
        if account.pk == request.user.pk:
            messages.error(request, "不能停用自己的账户 you cannot deactivate your own account")
        else:
            with transaction.atomic():
                User.objects.filter(pk=account.pk).update(is_active=False)
                actions.record("account.deactivate", _username(request), username=username)
            messages.success(request, f"已停用 deactivated: {username}")
        return redirect("registry-web:manage")
    return page(request, "registry/manage/confirm.html", {
        "account": account, "form": form, "title_zh": "停用监管账户", "title_en": "Deactivate a regulator account",
        "warning": f"{username} 将无法登录；账户与其操作记录保留。 {username} can no longer log in; the account "
                   "and what it did stay on record.", "roles": ROLES})
