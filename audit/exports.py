"""The operation log and the login log as .xlsx (personal numbers are already masked in the log)."""

import json
from pathlib import Path

from django.db.models import QuerySet

from audit.models import AuditResult, LoginEvent
from shuchang.core.xlsx import write_table

_RESULTS = dict(AuditResult.choices)
_EVENTS = dict(LoginEvent.choices)


def _json(value) -> str:
    return "" if value in (None, {}, []) else json.dumps(value, ensure_ascii=False)


def audit_log_write(entries: QuerySet, target: Path, *, filters: str) -> int:
    rows = (
        (
            entry.created_at,
            entry.actor_label,
            entry.actor_role,
            entry.ip or "",
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.object_label,
            _RESULTS.get(entry.result, entry.result),
            entry.message,
            _json(entry.before),
            _json(entry.after),
            _json(entry.data),
        )
        for entry in entries.order_by("-id").iterator(chunk_size=2000)
    )
    return write_table(
        target,
        title="操作日志",
        filters=filters,
        header=[
            "时间",
            "操作人",
            "角色",
            "IP地址",
            "操作",
            "对象类型",
            "对象ID",
            "对象",
            "结果",
            "说明",
            "变更前",
            "变更后",
            "详情",
        ],
        widths=[20, 14, 14, 16, 28, 18, 10, 24, 8, 24, 40, 40, 40],
        rows=rows,
    )


def login_log_write(entries: QuerySet, target: Path, *, filters: str) -> int:
    rows = (
        (entry.created_at, entry.username, _EVENTS.get(entry.event, entry.event), entry.ip or "", entry.user_agent)
        for entry in entries.order_by("-id").iterator(chunk_size=2000)
    )
    return write_table(
        target,
        title="登录日志",
        filters=filters,
        header=["时间", "登录名", "事件", "IP地址", "客户端"],
        widths=[20, 18, 10, 16, 60],
        rows=rows,
    )
