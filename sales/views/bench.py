"""A trivial view for the opening-rush benchmark's framework ceiling (tests/bench/bench_opening.py).

Routed only when the server runs with SHUCHANG_BENCH_VIEWS=1: it measures what Django itself costs
per request (the full middleware stack, URL routing, a response) with no work of ours, so the
selection view's throughput can be read against it.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse


@login_not_required
def ping(request):
    return HttpResponse(b"ok", content_type="text/plain")
