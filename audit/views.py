"""Staff pages of system management: the operation and login logs, the permission matrix, backups."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from audit import backups, exports, selectors
from audit.forms import AuditFilterForm, LoginFilterForm, RestoreConfirmForm
from audit.models import Backup
from audit.permissions import permission_matrix
from audit.services import audit_record
from audit.tasks import backup_create_manual_task
from shuchang.core.exceptions import DomainError


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _filters_text(form) -> str:
    if not form.is_valid():
        return ""
    return "；".join(f"{form.fields[name].label}：{value}" for name, value in form.cleaned_data.items() if value)


def _log_page(request, *, form, queryset_for, template: str, export_name: str, export_writer, action: str):
    entries = queryset_for(**form.cleaned_data) if form.is_valid() else queryset_for()
    if request.GET.get("export") == "xlsx":
        return _export(request, entries, form=form, name=export_name, writer=export_writer, action=action)
    page = selectors.keyset_page(entries, before=_int_param(request, "before"), after=_int_param(request, "after"))
    context = {"form": form, "page": page}
    if request.htmx:
        template += "#results"
    return render(request, template, context)


def _export(request, entries, *, form, name: str, writer, action: str):
    filters = _filters_text(form)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - FileResponse closes it
    handle.close()
    count = writer(entries, Path(handle.name), filters=filters)
    with transaction.atomic():
        # Exporting the log is itself an operation worth knowing about.
        audit_record(actor=request.user, action=action, data={"rows": count, "filters": filters})
    filename = f"{name}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
    return FileResponse(open(handle.name, "rb"), as_attachment=True, filename=filename)


@permission_required("audit.view_auditentry", raise_exception=True)
def audit_log(request):
    return _log_page(
        request,
        form=AuditFilterForm(request.GET or None),
        queryset_for=selectors.audit_entries_filtered,
        template="audit/audit_log.html",
        export_name="操作日志",
        export_writer=exports.audit_log_write,
        action="audit.log.exported",
    )


@permission_required("audit.view_loginentry", raise_exception=True)
def login_log(request):
    return _log_page(
        request,
        form=LoginFilterForm(request.GET or None),
        queryset_for=selectors.login_entries_filtered,
        template="audit/login_log.html",
        export_name="登录日志",
        export_writer=exports.login_log_write,
        action="audit.login_log.exported",
    )


@permission_required("auth.view_group", raise_exception=True)
def permissions_matrix(request):
    return render(request, "audit/permission_matrix.html", {"matrix": permission_matrix()})


@permission_required("audit.view_backup", raise_exception=True)
def backup_list(request):
    if request.method == "POST":
        if not request.user.has_perm("audit.add_backup"):
            messages.error(request, "您没有创建备份的权限")
        else:
            transaction.on_commit(lambda: backup_create_manual_task.delay(request.user.pk))
            messages.success(request, "已开始备份，完成并校验后将出现在列表中")
        return redirect("audit:backup_list")
    return render(
        request,
        "audit/backup_list.html",
        {"backups": selectors.backup_list()[:200], "can_restore": request.user.has_perm("audit.restore_backup")},
    )


@permission_required("audit.restore_backup", raise_exception=True)
def backup_restore(request, pk: int):
    backup = get_object_or_404(Backup, pk=pk, pruned_at__isnull=True)
    form = RestoreConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            safety = backups.backup_restore(
                backup=backup, actor=request.user, confirm_name=form.cleaned_data["confirm_name"]
            )
        except DomainError as error:
            form.add_error("confirm_name", error.message)
        else:
            messages.success(request, f"已恢复到备份 {backup.name}；恢复前的数据已另存为安全备份 {safety.name}")
            return redirect("audit:backup_list")
    return render(request, "audit/backup_restore.html", {"backup": backup, "form": form})
