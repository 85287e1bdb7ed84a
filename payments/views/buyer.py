"""Buyer pages: pay the 定金 of a pending order (or 认筹金, or a coupon) online; my payments and receipts."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from payments import pdf, selectors, services
from payments.exceptions import DomainError
from payments.forms import PayForm
from payments.gateways import gateway_for_method
from payments.models import Paper
from sales import selectors as sales_selectors
from sales.models import Coupon, OrderStatus, Registration


def _buyer_only(user) -> None:
    if not user.is_authenticated or user.is_staff:
        raise Http404("页面不存在")  # staff take money in the back office


def _pay(request, *, template: str, context: dict, target: dict, back_url: str):
    methods = selectors.online_methods()
    form = PayForm(request.POST if request.method == "POST" else None, methods=methods)
    if request.method == "POST" and form.is_valid():
        try:
            started = services.trade_start(
                buyer=request.user,
                method=form.cleaned_data["method"],
                notify_url=_absolute(request, "payments:gateway_notify", form.cleaned_data["method"]),
                return_url=_absolute(request, "payments:gateway_return", form.cleaned_data["method"]),
                mobile="Mobile" in request.headers.get("User-Agent", ""),
                **target,
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return HttpResponseRedirect(started.pay_url)
    return render(request, template, {**context, "form": form, "methods": methods, "back_url": back_url})


def _absolute(request, name: str, method) -> str:
    """notify/return URLs the platform calls: the gateway actually used for this method."""
    gateway = gateway_for_method(method)
    path = reverse(name, args=[gateway.code if gateway else method.gateway])
    base = getattr(settings, "PAYMENTS_PUBLIC_BASE_URL", "")
    return f"{base.rstrip('/')}{path}" if base else request.build_absolute_uri(path)


def order_pay(request, pk: int):
    """支付定金: choose a method, go to the platform's cashier, come back to the reserved order."""
    _buyer_only(request.user)
    order = sales_selectors.order_get_for_user(request.user, pk)
    back_url = reverse("sales:order_detail", args=[order.pk])
    if order.status != OrderStatus.PENDING_PAYMENT:
        messages.info(request, f"订单当前为「{order.get_status_display()}」，无需支付定金")
        return redirect(back_url)
    seconds = max(int((order.hold_expires_at - timezone.now()).total_seconds()), 0)
    return _pay(
        request,
        template="payments/pay.html",
        context={
            "title": "支付定金",
            "subject": f"{order.project.name} {order.unit.code}",
            "amount": order.deposit_amount,
            "order": order,
            "hold_seconds": seconds,
        },
        target={"order": order},
        back_url=back_url,
    )


def registration_pay(request, pk: int):
    """缴纳认筹金 for a sign-up to an opening that requires it."""
    _buyer_only(request.user)
    registration = (
        Registration.objects.filter(pk=pk, buyer=request.user).select_related("opening", "opening__project").first()
    )
    if registration is None:
        raise Http404("报名记录不存在")
    back_url = reverse("sales:opening_detail", args=[registration.opening_id])
    return _pay(
        request,
        template="payments/pay.html",
        context={
            "title": "缴纳认筹金",
            "subject": f"{registration.opening.project.name} {registration.opening.name}",
            "amount": registration.fee_amount,
        },
        target={"registration": registration},
        back_url=back_url,
    )


def coupon_pay(request, pk: int):
    """购买购房券 (交X抵Y)."""
    _buyer_only(request.user)
    coupon = Coupon.objects.filter(pk=pk, buyer=request.user).select_related("scheme", "scheme__project").first()
    if coupon is None:
        raise Http404("购房券不存在")
    return _pay(
        request,
        template="payments/pay.html",
        context={
            "title": "购买购房券",
            "subject": f"{coupon.scheme.project.name} {coupon.scheme.name}（{coupon.scheme.label}）",
            "amount": coupon.price_amount,
        },
        target={"coupon": coupon},
        back_url=reverse("payments:my_payments"),
    )


def my_payments(request):
    """我的缴费: every payment and refund of mine with its receipt to download."""
    _buyer_only(request.user)
    payments = list(selectors.buyer_payments(request.user)[:200])
    return render(request, "payments/my_payments.html", {"payments": payments})


def my_receipt_pdf(request, pk: int):
    """The 收据联 of my own receipt as an electronic copy; anyone else's receipt is 404."""
    receipt = selectors.buyer_receipt_get(request.user, pk)
    content = pdf.receipt_pdf(receipt, paper=Paper.ELECTRONIC)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt.code}.pdf"'
    return response
