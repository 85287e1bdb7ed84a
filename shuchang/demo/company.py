"""The developer company (开发商), its news, property managers, departments and employees.

developers has no write services yet (its objects are edited in the admin), so these rows are
created directly; the whole demo is one transaction and ends with one `demo.loaded` log entry.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from developers.models import Company, Department, Employee, News, PropertyManager
from shuchang.demo import images
from shuchang.demo.people import STAFF

COMPANY = {
    "name": "舒畅置业集团有限公司",
    "short_name": "舒畅置业",
    "brand": "舒畅",
    "slogan": "舒适生活 畅想未来",
    "introduction": (
        "舒畅置业集团有限公司成立于2003年，总部位于杭州，是一家以住宅开发为主、"
        "涵盖商业运营与物业服务的综合性房地产企业。二十余年来，集团深耕长三角，"
        "累计开发项目三十余个，服务业主逾五万户。\n\n"
        "我们坚持“好房子、好服务”的理念，从规划设计、工程质量到交付后的物业服务全程把关。"
        "舒畅网上售楼平台让购房者足不出户即可看楼盘、选房源、交定金，价格公开透明，一房一价。"
    ),
    "hotline": "400-826-8888",
    "address": "浙江省杭州市西湖区文三路 388 号舒畅大厦",
}

PROPERTY_MANAGERS = (
    {
        "name": "舒畅物业服务有限公司",
        "qualification": "一级资质",
        "contact_name": "周海燕",
        "phone": "0571-8826 9900",
        "address": "浙江省杭州市西湖区文三路 388 号舒畅大厦 6 层",
        "introduction": "集团旗下物业公司，管理面积逾八百万平方米，提供 24 小时管家式服务。",
    },
    {
        "name": "杭州绿城悦居物业管理有限公司",
        "qualification": "一级资质",
        "contact_name": "孙立平",
        "phone": "0571-8699 3300",
        "address": "浙江省杭州市滨江区江南大道 1088 号",
        "introduction": "专注中高端住宅物业服务，园林养护与社区活动口碑良好。",
    },
)

NEWS = (
    (
        3,
        "舒畅·江南望府 4 号楼加推在即，敬请关注",
        "江南望府 4 号楼预计近期加推，户型以 105—143㎡ 三至四房为主。",
        "应广大客户要求，舒畅·江南望府 4 号楼将于近期加推。本次加推房源以 105—143㎡ 三至四房为主，"
        "南北通透，视野开阔。已实名认证的客户可在网上售楼平台关注开盘信息，加推时间以平台公告为准。",
    ),
    (
        12,
        "舒畅·西溪云庐样板间正式开放",
        "西溪云庐 143㎡、168㎡ 两套样板间今日起开放参观。",
        "舒畅·西溪云庐 143㎡ 四房与 168㎡ 大平层两套样板间正式对外开放。样板间位于售楼处二层，"
        "开放时间为每日 9:00—18:00。购房者也可在网上售楼平台查看样板间实景照片。",
    ),
    (
        30,
        "舒畅网上售楼平台上线：看房、选房、交定金一站完成",
        "集团网上售楼平台正式上线，房源信息实时公布，一房一价公开透明。",
        "为方便购房者，舒畅置业集团网上售楼平台今日正式上线。购房者注册并完成实名认证后，"
        "即可在线浏览楼盘、查看销控表、参加网上开盘并在线支付定金。所有房源价格均按备案价目表公示。",
    ),
)

DEPARTMENTS = ("销售部", "财务部", "信息部", "客服部")

# Employees without a system account: not every employee logs in.
OTHER_EMPLOYEES = (
    ("销售部", "吴强", "置业顾问", "0571-8826 8811"),
    ("客服部", "孙丽", "客服主管", "0571-8826 8821"),
    ("客服部", "郑涛", "客服专员", "0571-8826 8822"),
    ("信息部", "周杰", "网络工程师", "0571-8826 8831"),
)


def build_company(ctx) -> None:
    """The developer company with its brand images, two property managers and three published news items."""
    ctx.company = Company.objects.create(
        **COMPANY,
        logo=images.company_logo(text=COMPANY["brand"], name="shuchang-logo.png"),
        banner=images.company_banner(title=COMPANY["name"], slogan=COMPANY["slogan"], name="shuchang-banner.jpg"),
    )
    ctx.property_managers = [PropertyManager.objects.create(**values) for values in PROPERTY_MANAGERS]
    for index, (days_ago, title, summary, body) in enumerate(NEWS):
        published_on = ctx.today - timedelta(days=days_ago)
        News.objects.create(
            company=ctx.company,
            title=title,
            summary=summary,
            body=body,
            cover=images.tower_rendering(title=title[:12], seed=900 + index, sky="day", name=f"news-{index + 1}.jpg"),
            is_published=True,
            published_at=timezone.make_aware(datetime.combine(published_on, time(10, 0))),
        )
        ctx.count("news")


def build_departments(ctx) -> None:
    """Departments, with the staff accounts as employees of them, plus a few employees who never log in."""
    departments = {name: Department.objects.create(company=ctx.company, name=name) for name in DEPARTMENTS}
    for spec in STAFF:
        Employee.objects.create(
            department=departments[spec.department],
            user=ctx.staff[spec.username],
            name=spec.full_name,
            title=spec.title,
            phone=spec.phone,
        )
        ctx.count("employees")
    for department, name, title, phone in OTHER_EMPLOYEES:
        Employee.objects.create(department=departments[department], name=name, title=title, phone=phone)
        ctx.count("employees")
