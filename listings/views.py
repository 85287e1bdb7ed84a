"""The buyer storefront: home, project list and detail, building sales-control grid, unit detail.

All public (`@login_not_required`). Views fetch through `listings.selectors`, validate with a form
and render a page, or, for htmx requests, the named partial that changes.
"""

from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from developers import selectors as developer_selectors
from listings import selectors, services

PROJECTS_PER_PAGE = 12
HOME_NEWS_COUNT = 4
WAN = Decimal(10000)
# Part of the grid's ETag and cache key: change it when the grid's markup changes, so no browser
# or cache keeps a fragment rendered by the old template.
GRID_MARKUP_VERSION = "1"


def _number_field(label: str, what: str, unit: str, *, max_digits: int) -> forms.DecimalField:
    """An optional, non-negative filter number with every complaint in one plain Chinese sentence."""
    return forms.DecimalField(
        label=f"{label}（{unit}）",
        required=False,
        min_value=0,
        max_digits=max_digits,
        decimal_places=2,
        error_messages={
            "invalid": f"{label}请填写数字（{unit}）",
            "min_value": f"{what}不能为负数",
            "max_digits": "数值过大，请重新填写",
            "max_whole_digits": "数值过大，请重新填写",
            "max_decimal_places": "最多保留两位小数",
        },
    )


class ProjectFilterForm(forms.Form):
    """The project list's filters; every field optional, every bad value a Chinese message."""

    ROOM_CHOICES = [("", "不限"), ("1", "一室"), ("2", "两室"), ("3", "三室"), ("4", "四室及以上")]

    district = forms.ChoiceField(label="区域", required=False, error_messages={"invalid_choice": "请选择列表中的区域"})
    price_min = _number_field("最低总价", "总价", "万元", max_digits=8)
    price_max = _number_field("最高总价", "总价", "万元", max_digits=8)
    area_min = _number_field("最小面积", "面积", "㎡", max_digits=7)
    area_max = _number_field("最大面积", "面积", "㎡", max_digits=7)
    rooms = forms.ChoiceField(
        label="户型", required=False, choices=ROOM_CHOICES, error_messages={"invalid_choice": "请选择列表中的户型"}
    )

    def __init__(self, *args, districts: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "全部区域"), *((name, name) for name in districts)]

    def clean(self):
        data = super().clean()
        for low, high, message in (
            ("price_min", "price_max", "最低总价不能高于最高总价"),
            ("area_min", "area_max", "最小面积不能大于最大面积"),
        ):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, message)
        return data

    def selector_kwargs(self) -> dict:
        """The valid filters as `project_list_public` arguments (prices from 万元 to yuan)."""
        data = self.cleaned_data
        return {
            "district": data.get("district") or None,
            "price_min_amount": data["price_min"] * WAN if data.get("price_min") is not None else None,
            "price_max_amount": data["price_max"] * WAN if data.get("price_max") is not None else None,
            "area_min": data.get("area_min"),
            "area_max": data.get("area_max"),
            "rooms": int(data["rooms"]) if data.get("rooms") else None,
        }


@login_not_required
@require_safe
def home(request):
    return render(
        request,
        "listings/home.html",
        {
            # The banner is this page's content, so it does not depend on the layout's context processor.
            "site_company": developer_selectors.company_get_primary(),
            "featured_projects": selectors.project_list_featured(),
            "latest_news": developer_selectors.news_list_published()[:HOME_NEWS_COUNT],
        },
    )


@login_not_required
@require_safe
def project_list(request):
    form = ProjectFilterForm(request.GET or None, districts=selectors.project_districts())
    # A bad filter is reported next to the form and the list shown unfiltered, rather than guessed at.
    filters = form.selector_kwargs() if form.is_bound and form.is_valid() else {}
    page = Paginator(selectors.project_list_public(**filters), PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page, "projects": page.object_list, "is_filtered": bool(filters)}
    template = "listings/project_list.html#results" if request.htmx else "listings/project_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _project_or_404(slug: str):
    project = selectors.project_get_public(slug=slug)
    if project is None:
        raise Http404("楼盘不存在")
    return project


def _building_or_404(slug: str, number: str):
    building = selectors.building_get_public(project=_project_or_404(slug), number=number)
    if building is None:
        raise Http404("楼栋不存在")
    return building


@login_not_required
@require_safe
def project_detail(request, slug: str):
    project = _project_or_404(slug)
    return render(
        request,
        "listings/project_detail.html",
        {"project": project, "page": selectors.project_page(project=project)},
    )


def _grid_context(building) -> dict:
    version = services.grid_version(building.pk)
    return {
        "building": building,
        "project": building.project,
        # Built only when the cached fragment is missing: a cache hit costs no unit query.
        "grid": SimpleLazyObject(lambda: selectors.building_grid(building=building)),
        # Everything the fragment depends on that does not bump the grid version (admin edits of the
        # building's shape or of the project's withheld display) is part of the key as well.
        "grid_cache_key": ":".join(
            str(part)
            for part in (
                building.pk,
                version,
                building.floors,
                building.units_per_floor,
                building.project.withheld_display,
                GRID_MARKUP_VERSION,
            )
        ),
    }


@login_not_required
@require_safe
def building_detail(request, slug: str, number: str):
    building = _building_or_404(slug, number)
    return render(request, "listings/building_detail.html", _grid_context(building))


@login_not_required
@require_safe
def building_grid(request, slug: str, number: str):
    """The grid alone, for htmx polling: a conditional GET answers 304 while nothing has changed."""
    building = _building_or_404(slug, number)
    context = _grid_context(building)
    etag = f'"grid-{context["grid_cache_key"]}"'
    response = get_conditional_response(request, etag=etag) or render(
        request, "listings/building_detail.html#grid", context
    )
    response["ETag"] = etag
    # Browsers may keep it but must ask each time; the answer is a cheap 304 until a unit changes.
    patch_cache_control(response, no_cache=True)
    return response


@login_not_required
@require_safe
def unit_detail(request, slug: str, code: str) -> HttpResponse:
    project = _project_or_404(slug)
    unit = selectors.unit_get_public(project=project, code=code)
    if unit is None:
        raise Http404("房源不存在")
    return render(request, "listings/unit_detail.html", {"project": project, "unit": unit})
