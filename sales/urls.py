import os

from django.urls import path

from sales.views import bench, buyer, office

app_name = "sales"
urlpatterns = [
    # Buyers: openings, selection, orders.
    path("openings/", buyer.opening_list, name="opening_list"),
    path("openings/<int:pk>/", buyer.opening_detail, name="opening_detail"),
    path("openings/<int:pk>/signup/", buyer.opening_signup, name="opening_signup"),
    path("openings/<int:pk>/grid/<int:building_pk>/", buyer.opening_grid, name="opening_grid"),
    path("openings/<int:pk>/lottery/", buyer.opening_lottery, name="opening_lottery"),
    path("openings/<int:pk>/lottery.json", buyer.opening_lottery_json, name="opening_lottery_json"),
    path("openings/<int:pk>/units/<int:unit_pk>/", buyer.opening_unit, name="opening_unit"),
    path("units/<int:unit_pk>/select/", buyer.unit_select, name="unit_select"),
    path("orders/", buyer.order_list, name="order_list"),
    path("orders/<int:pk>/", buyer.order_detail, name="order_detail"),
    path("orders/<int:pk>/cancel/", buyer.order_cancel, name="order_cancel"),
    # Staff (销售管理): the sales-control chart, customers, orders, sales changes.
    path("office/sales/", office.home, name="office_home"),
    path("office/sales/chart/<int:project_pk>/", office.chart, name="office_chart"),
    path("office/sales/chart/<int:project_pk>/grid/<int:building_pk>/", office.chart_grid, name="office_chart_grid"),
    path("office/sales/units/<int:pk>/", office.unit_panel, name="office_unit"),
    path("office/sales/units/<int:pk>/withhold/", office.unit_withhold, name="office_unit_withhold"),
    path("office/sales/units/<int:pk>/release/", office.unit_release, name="office_unit_release"),
    path("office/sales/customers/", office.customer_list, name="office_customers"),
    path("office/sales/customers/<int:pk>/", office.customer_detail, name="office_customer"),
    path("office/sales/customers/<int:pk>/follow-ups/", office.customer_follow_up, name="office_customer_follow_up"),
    path("office/sales/customers/<int:pk>/assign/", office.customer_assign, name="office_customer_assign"),
    path("office/sales/customers/<int:pk>/assist/", office.customer_assist, name="office_customer_assist"),
    path("office/sales/orders/", office.order_list, name="office_orders"),
    path("office/sales/orders/<int:pk>/", office.order_detail, name="office_order"),
    path("office/sales/orders/<int:pk>/cancel/", office.order_cancel, name="office_order_cancel"),
    path("office/sales/orders/<int:pk>/changes/", office.change_apply, name="office_change_apply"),
    path("office/sales/changes/", office.change_list, name="office_changes"),
    path("office/sales/changes/<int:pk>/", office.change_detail, name="office_change"),
    path("office/sales/changes/<int:pk>/approve/", office.change_approve, name="office_change_approve"),
    path("office/sales/changes/<int:pk>/reject/", office.change_reject, name="office_change_reject"),
    path("office/sales/changes/<int:pk>/withdraw/", office.change_withdraw, name="office_change_withdraw"),
]

# The benchmark's framework ceiling (docs/opening-benchmark.md); never routed unless asked for.
if os.environ.get("SHUCHANG_BENCH_VIEWS") == "1":
    urlpatterns.append(path("bench/ping/", bench.ping, name="bench_ping"))
