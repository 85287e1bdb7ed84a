"""Gateway endpoints: the platform's notification (public, no CSRF: it is verified by signature),
the buyer's browser coming back, and the local sandbox platform's cashier."""

from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments import services
from payments.gateways import SANDBOX, sandbox_enabled
from payments.models import TradePurpose, TradeStatus


@csrf_exempt
@login_not_required
@require_POST
def notify(request, code: str):
    """Alipay posts here (form-encoded); the answer is the plain text `success` or `failure`."""
    result = services.notification_handle(gateway_code=code, params=request.POST.dict())
    return HttpResponse(result, content_type="text/plain; charset=utf-8")


def trade_target_url(trade) -> str:
    """Where the buyer sees the result of a trade: their order, or their payments."""
    if trade.purpose == TradePurpose.ORDER_DEPOSIT:
        return reverse("sales:order_detail", args=[trade.order_id])
    if trade.purpose == TradePurpose.REGISTRATION_FEE:
        return reverse("sales:opening_detail", args=[trade.registration.opening_id])
    return reverse("payments:my_payments")


def return_view(request, code: str):
    """The browser's return after paying. It changes nothing (only the notification does); it
    says what we know and sends the buyer on to their order."""
    trade = services.return_verify(gateway_code=code, params=request.GET.dict())
    if trade is None or trade.buyer_id != request.user.pk:
        messages.error(request, "支付结果无法确认，请在“我的订单”中查看订单状态")
        return redirect("payments:my_payments")
    trade.refresh_from_db()
    if trade.status == TradeStatus.PAID:
        messages.success(request, f"支付成功：{trade.subject}，金额 ¥{trade.amount:,.2f}")
    elif trade.status == TradeStatus.HELD:
        messages.warning(
            request, "款项已收到，但订单已失效或已付款，该款项已转财务处理（退款或转入其他订单），请留意通知"
        )
    else:
        messages.info(request, "支付结果确认中，请稍后刷新查看")
    return redirect(trade_target_url(trade))


# ---- the sandbox platform's cashier ----------------------------------------------------------------


@login_not_required
def sandbox_cashier(request):
    """GET: the signed page.pay request arrives; the sandbox verifies it and shows its cashier.
    POST 付款: the trade is paid, the signed notification is delivered to notify_url, and the
    browser goes back to return_url with the signed return parameters — what Alipay does."""
    if not sandbox_enabled():
        raise Http404("沙箱支付未启用")
    from payments.gateways import sandbox

    params = request.GET.dict() if request.method == "GET" else request.POST.dict()
    if request.method == "POST" and request.POST.get("action"):
        return _sandbox_act(request, sandbox)
    try:
        trade = sandbox.cashier_open(params)
    except sandbox.SandboxRequestInvalid as refusal:
        return render(request, "payments/sandbox_cashier.html", {"error": str(refusal)}, status=400)
    return render(request, "payments/sandbox_cashier.html", {"trade": trade})


def _sandbox_act(request, sandbox):
    out_trade_no = request.POST.get("out_trade_no", "")
    trade = sandbox.SandboxTrade.objects.filter(out_trade_no=out_trade_no).first()
    if trade is None:
        raise Http404("交易不存在")
    if request.POST["action"] == "cancel":
        return HttpResponseRedirect(_local(trade.return_url) or "/")
    try:
        trade = sandbox.cashier_pay(trade.out_trade_no)
    except sandbox.SandboxRequestInvalid as refusal:
        return render(request, "payments/sandbox_cashier.html", {"trade": trade, "error": str(refusal)}, status=400)
    # Deliver the notification the way the platform would: our notify endpoint's own handler.
    answer = services.notification_handle(gateway_code=SANDBOX, params=sandbox.notification_params(trade))
    if answer != services.SUCCESS:
        return render(
            request,
            "payments/sandbox_cashier.html",
            {"trade": trade, "error": "商户未确认支付通知（应答 failure），请查看操作日志"},
            status=502,
        )
    return_url = _local(trade.return_url)
    if not return_url:
        return render(request, "payments/sandbox_cashier.html", {"trade": trade, "paid": True})
    return HttpResponseRedirect(f"{return_url}?{urlencode(sandbox.return_params(trade))}")


def _local(url: str) -> str:
    """Only a path on this site: the sandbox never redirects a browser elsewhere."""
    parts = urlsplit(url or "")
    return parts.path if parts.path.startswith("/") else ""
