"""Payments pages. Included at the site root (`path("", include("payments.urls"))`): buyer pages and
the gateways live under /payments/, the staff pages under /office/payments/."""

from django.urls import path

from payments.views import buyer, gateway, office, office_money

app_name = "payments"
urlpatterns = [
    # Buyers: pay the deposit / 认筹金 / coupon online, my payments and receipts.
    path("payments/orders/<int:pk>/pay/", buyer.order_pay, name="order_pay"),
    path("payments/registrations/<int:pk>/pay/", buyer.registration_pay, name="registration_pay"),
    path("payments/coupons/<int:pk>/pay/", buyer.coupon_pay, name="coupon_pay"),
    path("payments/mine/", buyer.my_payments, name="my_payments"),
    path("payments/mine/receipts/<int:pk>.pdf", buyer.my_receipt_pdf, name="my_receipt_pdf"),
    # Gateways: asynchronous notification, the browser's return, the local sandbox platform.
    path("payments/gateways/<slug:code>/notify/", gateway.notify, name="gateway_notify"),
    path("payments/gateways/<slug:code>/return/", gateway.return_view, name="gateway_return"),
    path("payments/sandbox/gateway.do", gateway.sandbox_cashier, name="sandbox_gateway"),
    # Staff (收款管理).
    path("office/payments/", office.home, name="office_home"),
    path("office/payments/orders/", office.order_list, name="office_orders"),
    path("office/payments/orders/<int:pk>/", office.order_detail, name="office_order"),
    path("office/payments/orders/<int:pk>/collect/", office.order_collect, name="office_order_collect"),
    path("office/payments/orders/<int:pk>/schedule/", office.order_schedule, name="office_order_schedule"),
    path("office/payments/orders/<int:pk>/notices/", office.order_notice, name="office_order_notice"),
    path("office/payments/orders/<int:pk>/settle/", office.order_settle, name="office_order_settle"),
    path("office/payments/notices/<int:pk>.pdf", office.notice_pdf, name="office_notice_pdf"),
    path("office/payments/registrations/", office.registration_list, name="office_registrations"),
    path("office/payments/registrations/<int:pk>/", office.registration_collect, name="office_registration"),
    path("office/payments/payments/", office.payment_list, name="office_payments"),
    path("office/payments/payments/<int:pk>/", office.payment_detail, name="office_payment"),
    path("office/payments/payments/<int:pk>/refund/", office.payment_refund, name="office_payment_refund"),
    path("office/payments/payments/<int:pk>/review/", office.payment_review, name="office_payment_review"),
    path("office/payments/approvals/", office.approval_list, name="office_approvals"),
    path("office/payments/receipts/", office.receipt_list, name="office_receipts"),
    path("office/payments/receipts/<int:pk>/", office.receipt_detail, name="office_receipt"),
    path("office/payments/receipts/<int:pk>/print/", office.receipt_print, name="office_receipt_print"),
    path("office/payments/receipts/<int:pk>/void/", office.receipt_void, name="office_receipt_void"),
    path("office/payments/numbering/", office.numbering, name="office_numbering"),
    path("office/payments/shift/", office.shift_current, name="office_shift"),
    path("office/payments/shifts/", office.shift_list, name="office_shifts"),
    path("office/payments/shifts/<int:pk>/", office.shift_detail, name="office_shift_detail"),
    path("office/payments/refunds/", office_money.refund_list, name="office_refunds"),
    path("office/payments/held/", office_money.held_list, name="office_held"),
    path("office/payments/held/<int:pk>/", office_money.held_detail, name="office_held_detail"),
    path("office/payments/deposits/", office_money.deposit_list, name="office_deposits"),
    path("office/payments/deposits/<int:pk>/", office_money.deposit_detail, name="office_deposit"),
    path("office/payments/arrears/", office_money.arrears, name="office_arrears"),
    path("office/payments/overdue/", office_money.overdue, name="office_overdue"),
]
