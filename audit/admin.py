"""The operation log and the login log in the admin: readable by those entitled, changeable by nobody.

No add, change or delete permission exists for anyone, superusers included (the database refuses
those writes anyway; the admin does not even offer them). The tables grow to millions of rows, so
the pages avoid what costs a full scan: no full result count, an estimated page count on
PostgreSQL, cached filter choices, exact-match search on the indexed columns.
"""

import json

from django.contrib import admin
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.html import format_html

from audit.models import AuditEntry, LoginEntry
from shuchang.core.masking import mask_mobile
from shuchang.core.validators import MOBILE_RE

# Below this many rows an exact COUNT(*) is cheap enough; above it the planner's estimate is used.
EXACT_COUNT_LIMIT = 100_000


class EstimatedCountPaginator(Paginator):
    """A paginator whose count is PostgreSQL's row estimate once a table is big.

    The admin needs a count only to draw page links; an exact COUNT(*) over millions of log rows
    would cost more than the page itself.
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql":
            sql, params = queryset.order_by().query.sql_with_params()
            with connection.cursor() as cursor:
                # `sql` is the ORM's own compiled query with its parameters kept apart.
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
                estimate = int(cursor.fetchone()[0][0]["Plan"]["Plan Rows"])
            if estimate > EXACT_COUNT_LIMIT:
                return estimate
        return super().count


class ActionListFilter(admin.SimpleListFilter):
    """Filter by action; the distinct actions are cached, since computing them reads the whole index."""

    title = "操作"
    parameter_name = "action"
    cache_key = "audit:admin:actions"

    def lookups(self, request, model_admin):
        actions = cache.get(self.cache_key)
        if actions is None:
            actions = list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
            cache.set(self.cache_key, actions, 600)
        return [(action, action) for action in actions]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action=self.value())
        return queryset


class ReadOnlyLogAdmin(admin.ModelAdmin):
    """Shared by both logs: view only, no bulk actions, cheap paging."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a count per filter choice would scan the table
    paginator = EstimatedCountPaginator
    list_per_page = 50
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _masked_login(login: str) -> str:
    return mask_mobile(login) if MOBILE_RE.match(login or "") else login


def _pretty_json(value) -> str:
    if value in (None, {}, []):
        return "—"
    return format_html(
        "<pre style='white-space:pre-wrap;margin:0'>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2)
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "actor", "actor_role", "action", "object_type", "object_label", "result", "ip")
    list_filter = (ActionListFilter, "result", ("created_at", admin.DateFieldListFilter))
    # Exact match on the indexed or short columns; the label is searched by substring.
    search_fields = ("=actor_label", "object_label", "=object_id")
    search_help_text = "按操作人登录名（完整）、对象名称或对象ID（完整）搜索"
    fields = (
        "created_at",
        "actor",
        "actor_role",
        "ip",
        "user_agent",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "before_display",
        "after_display",
        "data_display",
        "result",
        "message",
        "seq",
        "entry_hash",
    )
    readonly_fields = fields

    @admin.display(description="操作人", ordering="actor_label")
    def actor(self, entry):
        # A buyer's login name is their mobile number: shown masked, like every number in the log.
        return _masked_login(entry.actor_label)

    @admin.display(description="变更前")
    def before_display(self, obj):
        return _pretty_json(obj.before)

    @admin.display(description="变更后")
    def after_display(self, obj):
        return _pretty_json(obj.after)

    @admin.display(description="详情")
    def data_display(self, obj):
        return _pretty_json(obj.data)


@admin.register(LoginEntry)
class LoginEntryAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "login", "event", "ip", "user_agent")
    list_filter = ("event", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=username",)
    search_help_text = "按登录名（完整）搜索"
    fields = ("created_at", "login", "event", "ip", "user_agent")
    readonly_fields = fields

    @admin.display(description="登录名", ordering="username")
    def login(self, entry):
        return _masked_login(entry.username)
