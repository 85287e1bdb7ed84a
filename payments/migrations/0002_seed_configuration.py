"""Seed the configuration finance starts from: payment methods, charge items, plan templates and the
settings row. Codes and kinds are what the rules use; names, order and switches are edited in the admin.
Re-running (or a database that already has a row with the code) changes nothing."""

from decimal import Decimal

from django.db import migrations

METHODS = [
    # code, name, kind, gateway, enabled, needs approval, needs reference, position, note
    ("alipay", "支付宝", "online", "alipay", True, False, False, 10, "购房人在线支付；未配置密钥时使用本地沙箱"),
    ("wechat", "微信支付", "online", "wechat", False, False, False, 20, "通道尚未接入，暂不启用"),
    ("pos", "POS 刷卡（银行卡/信用卡）", "offline", "", True, False, True, 30, "填写 POS 签购单参考号"),
    ("cash", "现金", "offline", "", True, False, False, 40, ""),
    ("transfer", "银行转账", "offline", "", True, True, True, 50, "财务核实到账后审批"),
    ("waiver", "减免", "waiver", "", True, False, False, 60, "须有减免权限、填写事由，且在额度内"),
    ("points", "积分抵扣", "points", "", True, False, False, 70, "按收款设置中的比例抵现"),
    ("other", "其他", "offline", "", True, True, False, 80, "须审批"),
]

CHARGES = [
    ("intention", "诚意金/意向金", "intention", 10),
    ("deposit", "定金", "deposit", 20),
    ("down_payment", "首付款", "down_payment", 30),
    ("house_price", "房款", "house_price", 40),
    ("maintenance_fund", "公共维修基金", "maintenance_fund", 50),
    ("coupon", "购房券款", "coupon", 60),
    ("other", "其他", "other", 90),
]

TEMPLATES = [
    # name, kind, [(charge code, ratio, days after, note)]
    ("一次性付款", "full", [("house_price", "1", 7, "")]),
    ("按揭（首付三成）", "mortgage", [("down_payment", "0.3", 7, ""), ("house_price", "0.7", 60, "按揭放款")]),
    (
        "分期（首付三成，半年内付清）",
        "installment",
        [("down_payment", "0.3", 7, ""), ("house_price", "0.3", 90, "第一期"), ("house_price", "0.4", 180, "第二期")],
    ),
]


def seed(apps, schema_editor):
    PaymentMethod = apps.get_model("payments", "PaymentMethod")
    ChargeItem = apps.get_model("payments", "ChargeItem")
    Template = apps.get_model("payments", "PaymentPlanTemplate")
    Item = apps.get_model("payments", "PaymentPlanItem")
    Settings = apps.get_model("payments", "PaymentSettings")
    for code, name, kind, gateway, enabled, approval, reference, position, note in METHODS:
        PaymentMethod.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "gateway": gateway,
                "is_enabled": enabled,
                "needs_approval": approval,
                "needs_reference": reference,
                "position": position,
                "note": note,
            },
        )
    charges = {}
    for code, name, kind, position in CHARGES:
        charges[code] = ChargeItem.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "position": position}
        )[0]
    for name, kind, items in TEMPLATES:
        if Template.objects.filter(kind=kind, project__isnull=True, is_default=True).exists():
            continue
        template = Template.objects.create(name=name, kind=kind, is_default=True)
        for position, (charge, ratio, days, note) in enumerate(items, start=1):
            Item.objects.create(
                template=template,
                position=position,
                charge_item=charges[charge],
                ratio=Decimal(ratio),
                days_after=days,
                note=note,
            )
    Settings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
