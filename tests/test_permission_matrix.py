"""Every role × every sensitive action, as one table (issue 5).

The roles are the real groups `sync_roles` builds from the declarations in code; each cell says
whether a member of that role holds the permission the action's service and page check. The
pages and services themselves are tested for refusals in their apps (a denied case there also
asserts nothing changed); this table is the one place to read who may do what.
"""

import pytest

Y, N = True, False
ROLES = ("buyer", "consultant", "sales_manager", "finance", "admin_user", "auditor")

# action: (permission, allowed for buyer, consultant, sales manager, finance, administrator, auditor)
MATRIX = {
    "公布房源": ("listings.publish_unit", N, N, Y, N, N, N),
    "导入一房一价（调价）": ("listings.import_prices", N, N, Y, N, N, N),
    "修改房源": ("listings.change_unit", N, N, Y, N, N, N),
    "销控/解除销控": ("listings.withhold_unit", N, N, Y, N, N, N),
    "代客选房": ("sales.assist_order", N, Y, Y, N, N, N),
    "审批销售变更": ("sales.approve_saleschange", N, N, Y, N, N, N),
    "开盘摇号": ("sales.draw_lottery", N, N, Y, N, N, N),
    "柜台收款": ("payments.record_payment", N, Y, Y, Y, N, N),
    "减免": ("payments.grant_waiver", N, N, Y, N, N, N),
    "作废收据": ("payments.void_receipt", N, N, N, Y, N, N),
    "补打收据": ("payments.reprint_receipt", N, N, N, Y, N, N),
    "退款": ("payments.refund_payment", N, N, N, Y, N, N),
    "查看完整身份证号": ("accounts.view_full_identity", N, N, N, N, Y, N),
    "导出操作日志（含个人信息）": ("audit.export_auditentry", N, N, N, N, Y, Y),
    "导出收费报表（含个人信息）": ("reports.export_reports", N, N, Y, Y, N, N),
    "查看操作日志": ("audit.view_auditentry", N, N, N, N, Y, Y),
    "手动备份": ("audit.add_backup", N, N, N, N, Y, N),
    "恢复备份": ("audit.restore_backup", N, N, N, N, Y, N),
    "管理用户和角色": ("accounts.change_user", N, N, N, N, Y, N),
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", MATRIX)
def test_who_may_do_each_sensitive_action(request, action):
    permission, *expected = MATRIX[action]
    users = {role: request.getfixturevalue(role) for role in ROLES}

    allowed = [users[role].has_perm(permission) for role in ROLES]

    assert allowed == expected, f"{action} ({permission})"
