"""Public company pages: news list and detail (公司动态)."""

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from developers import selectors

NEWS_PER_PAGE = 10


@login_not_required
def news_list(request):
    page = Paginator(selectors.news_list_published(), NEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "developers/news_list.html", {"page_obj": page, "news_items": page.object_list})


@login_not_required
def news_detail(request, pk: int):
    news = selectors.news_get_published(pk=pk)
    if news is None:
        raise Http404("公司动态不存在")
    return render(request, "developers/news_detail.html", {"news": news})
