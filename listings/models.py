"""Inventory: project (楼盘), building (楼栋), floor plan (户型), unit (房源), sample house (样品房),
price-list versions (一房一价) and publication batches (房源公布)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from shuchang.core.money import AmountField


class ProjectSalesStatus(models.TextChoices):
    UPCOMING = "upcoming", "待售"
    ON_SALE = "on_sale", "在售"
    SOLD_OUT = "sold_out", "售罄"


class WithheldDisplay(models.TextChoices):
    SOLD = "sold", "对外显示为已售"
    HIDDEN = "hidden", "对外隐藏"


class Project(models.Model):
    developer = models.ForeignKey(
        "developers.Company", verbose_name="开发商", on_delete=models.PROTECT, related_name="projects"
    )
    property_manager = models.ForeignKey(
        "developers.PropertyManager",
        verbose_name="物业公司",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    name = models.CharField("楼盘名称", max_length=100, unique=True)
    slug = models.SlugField("网址标识", max_length=60, unique=True)
    district = models.CharField("区域", max_length=30, db_index=True)
    address = models.CharField("地址", max_length=200)
    sales_status = models.CharField(
        "销售状态", max_length=10, choices=ProjectSalesStatus.choices, default=ProjectSalesStatus.UPCOMING
    )
    description = models.TextField("楼盘介绍", blank=True)
    cover = models.ImageField("封面图", upload_to="projects/", blank=True)
    opening_on = models.DateField("开盘日期", null=True, blank=True)
    delivery_on = models.DateField("交房日期", null=True, blank=True)
    property_type = models.CharField("物业类型", max_length=30, default="普通住宅")
    decoration = models.CharField("装修标准", max_length=30, default="精装修")
    plot_ratio = models.DecimalField("容积率", max_digits=4, decimal_places=2, null=True, blank=True)
    greening_rate = models.DecimalField("绿化率", max_digits=4, decimal_places=3, null=True, blank=True)
    property_fee = models.DecimalField("物业费（元/㎡·月）", max_digits=6, decimal_places=2, null=True, blank=True)
    sales_hotline = models.CharField("售楼热线", max_length=30, blank=True)
    withheld_display = models.CharField(
        "销控房源对外显示", max_length=10, choices=WithheldDisplay.choices, default=WithheldDisplay.SOLD
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "楼盘"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ProjectImage(models.Model):
    project = models.ForeignKey(Project, verbose_name="楼盘", on_delete=models.CASCADE, related_name="images")
    image = models.ImageField("图片", upload_to="projects/gallery/")
    caption = models.CharField("说明", max_length=100, blank=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "楼盘相册"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.caption or f"{self.project} 图片"


class Building(models.Model):
    project = models.ForeignKey(Project, verbose_name="楼盘", on_delete=models.PROTECT, related_name="buildings")
    number = models.CharField("楼栋号", max_length=10, help_text="如 3，房号写作 3-1203")
    name = models.CharField("楼栋名称", max_length=30, help_text="如 3号楼")
    floors = models.PositiveSmallIntegerField("地上层数")
    units_per_floor = models.PositiveSmallIntegerField("每层户数")
    elevators = models.PositiveSmallIntegerField("电梯数", default=2)
    completion_on = models.DateField("竣工日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "楼栋"
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="building_number_unique"),
            models.CheckConstraint(condition=Q(floors__gte=1) & Q(units_per_floor__gte=1), name="building_size"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.name}"


class FloorPlan(models.Model):
    project = models.ForeignKey(Project, verbose_name="楼盘", on_delete=models.PROTECT, related_name="floor_plans")
    name = models.CharField("户型名称", max_length=30, help_text="如 A户型")
    rooms = models.PositiveSmallIntegerField("室")
    halls = models.PositiveSmallIntegerField("厅")
    baths = models.PositiveSmallIntegerField("卫")
    gross_area = models.DecimalField("建筑面积（㎡）", max_digits=8, decimal_places=2)
    inner_area = models.DecimalField("套内面积（㎡）", max_digits=8, decimal_places=2)
    image = models.ImageField("户型图", upload_to="floorplans/", blank=True)
    description = models.CharField("户型亮点", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "户型"
        ordering = ["project_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="floorplan_name_unique"),
            models.CheckConstraint(
                condition=Q(gross_area__gt=0) & Q(inner_area__gt=0) & Q(inner_area__lte=F("gross_area")),
                name="floorplan_areas_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.layout}"

    @property
    def layout(self) -> str:
        return f"{self.rooms}室{self.halls}厅{self.baths}卫"


class UnitStatus(models.TextChoices):
    DRAFT = "draft", "未公布"
    AVAILABLE = "available", "可售"
    LOCKED = "locked", "已锁定"
    RESERVED = "reserved", "已认购"
    SIGNED = "signed", "已签约"
    SOLD = "sold", "已售"
    WITHHELD = "withheld", "销控"


# Every allowed unit move, in one place (sales adds the order-driven moves through these too).
UNIT_TRANSITIONS: dict[str, set[str]] = {
    UnitStatus.DRAFT: {UnitStatus.AVAILABLE, UnitStatus.WITHHELD},
    UnitStatus.AVAILABLE: {UnitStatus.LOCKED, UnitStatus.WITHHELD, UnitStatus.DRAFT},
    UnitStatus.LOCKED: {UnitStatus.RESERVED, UnitStatus.AVAILABLE},
    UnitStatus.RESERVED: {UnitStatus.SIGNED, UnitStatus.AVAILABLE},
    UnitStatus.SIGNED: {UnitStatus.SOLD, UnitStatus.AVAILABLE},
    UnitStatus.SOLD: set(),
    UnitStatus.WITHHELD: {UnitStatus.AVAILABLE, UnitStatus.DRAFT},
}
PUBLIC_STATUSES = [s for s in UnitStatus.values if s != UnitStatus.DRAFT]


class Orientation(models.TextChoices):
    SOUTH = "S", "南"
    SOUTH_NORTH = "SN", "南北"
    EAST_SOUTH = "ES", "东南"
    WEST_SOUTH = "WS", "西南"
    EAST = "E", "东"
    WEST = "W", "西"
    NORTH = "N", "北"
    EAST_WEST = "EW", "东西"


class Unit(models.Model):
    project = models.ForeignKey(Project, verbose_name="楼盘", on_delete=models.PROTECT, related_name="units")
    building = models.ForeignKey(Building, verbose_name="楼栋", on_delete=models.PROTECT, related_name="units")
    floor_plan = models.ForeignKey(
        FloorPlan, verbose_name="户型", null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    code = models.CharField("房号", max_length=20, help_text="楼栋号-楼层房号，如 3-1203")
    floor = models.SmallIntegerField("楼层")
    position = models.PositiveSmallIntegerField("层内序号", help_text="同层第几户，1 起")
    orientation = models.CharField("朝向", max_length=2, choices=Orientation.choices, default=Orientation.SOUTH)
    gross_area = models.DecimalField("建筑面积（㎡）", max_digits=8, decimal_places=2)
    inner_area = models.DecimalField("套内面积（㎡）", max_digits=8, decimal_places=2)
    unit_price_amount = AmountField("单价（元/㎡）")
    list_price_amount = AmountField("总价（元）")
    price_version = models.ForeignKey(
        "PriceListVersion",
        verbose_name="价目表版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=10, choices=UnitStatus.choices, default=UnitStatus.DRAFT, db_index=True
    )
    status_changed_at = models.DateTimeField("状态变更时间", auto_now_add=True)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "房源"
        ordering = ["building_id", "-floor", "position"]
        permissions = [
            ("publish_unit", "公布房源"),
            ("withhold_unit", "销控房源"),
            ("import_prices", "导入一房一价"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["building", "code"], name="unit_code_unique"),
            models.UniqueConstraint(fields=["building", "floor", "position"], name="unit_place_unique"),
            models.CheckConstraint(
                condition=Q(gross_area__gt=0) & Q(inner_area__gt=0) & Q(inner_area__lte=F("gross_area")),
                name="unit_areas_valid",
            ),
            models.CheckConstraint(
                condition=Q(unit_price_amount__gte=0) & Q(list_price_amount__gte=0), name="unit_prices_not_negative"
            ),
            models.CheckConstraint(condition=Q(status__in=UnitStatus.values), name="unit_status_valid"),
        ]
        indexes = [models.Index(fields=["project", "status"], name="unit_project_status_idx")]

    def __str__(self) -> str:
        return self.code

    @property
    def is_public(self) -> bool:
        return self.status != UnitStatus.DRAFT


class UnitStatusChange(models.Model):
    """Every status move of a unit, with who and why (the unit's own history)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=UnitStatus.choices)
    to_status = models.CharField(max_length=10, choices=UnitStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "房源状态变更"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.from_status} → {self.to_status}"


class PriceListVersion(models.Model):
    """一房一价: each import or repricing (调价) is a new version; orders keep the one they were made under."""

    project = models.ForeignKey(Project, verbose_name="楼盘", on_delete=models.PROTECT, related_name="price_lists")
    number = models.PositiveIntegerField("版本号")
    note = models.CharField("说明", max_length=200, blank=True)
    source_name = models.CharField("导入文件", max_length=200, blank=True)
    unit_count = models.PositiveIntegerField("房源数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "价目表版本"
        ordering = ["project_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="price_list_number_unique")]

    def __str__(self) -> str:
        return f"{self.project} 价目表 V{self.number}"


class UnitPrice(models.Model):
    """One unit's price in one price-list version (kept forever)."""

    version = models.ForeignKey(PriceListVersion, on_delete=models.PROTECT, related_name="prices")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="prices")
    unit_price_amount = AmountField("单价（元/㎡）")
    list_price_amount = AmountField("总价（元）")

    class Meta:
        verbose_name = verbose_name_plural = "一房一价明细"
        constraints = [
            models.UniqueConstraint(fields=["version", "unit"], name="unit_price_once_per_version"),
            models.CheckConstraint(
                condition=Q(unit_price_amount__gte=0) & Q(list_price_amount__gte=0), name="unit_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} @V{self.version_id}: {self.list_price_amount}"


class PublicationBatch(models.Model):
    """房源公布: a batch of units a sales manager made public at once."""

    project = models.ForeignKey(Project, verbose_name="楼盘", on_delete=models.PROTECT, related_name="publications")
    note = models.CharField("说明", max_length=200, blank=True)
    unit_count = models.PositiveIntegerField("房源数")
    units = models.ManyToManyField(Unit, verbose_name="房源", related_name="publications")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="公布人", on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("公布时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "房源公布批次"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.project} 第{self.pk}批 {self.unit_count}套"


class SampleHouse(models.Model):
    project = models.ForeignKey(Project, verbose_name="楼盘", on_delete=models.PROTECT, related_name="sample_houses")
    floor_plan = models.ForeignKey(
        FloorPlan, verbose_name="户型", null=True, blank=True, on_delete=models.PROTECT, related_name="sample_houses"
    )
    name = models.CharField("名称", max_length=50)
    description = models.TextField("介绍", blank=True)
    vr_url = models.URLField("VR看房链接", blank=True)
    video_url = models.URLField("视频链接", blank=True)
    location = models.CharField("样板间位置", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "样品房"
        ordering = ["project_id", "id"]

    def __str__(self) -> str:
        return self.name


class SampleHousePhoto(models.Model):
    sample_house = models.ForeignKey(
        SampleHouse, verbose_name="样品房", on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField("照片", upload_to="samples/")
    caption = models.CharField("说明", max_length=100, blank=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "样品房照片"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.caption or f"{self.sample_house} 照片"
