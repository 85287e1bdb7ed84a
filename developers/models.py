"""The developer company (开发商), its news, partner property managers, departments and employees."""

from django.conf import settings
from django.db import models


class Company(models.Model):
    name = models.CharField("公司名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30, blank=True)
    brand = models.CharField("品牌", max_length=50, blank=True)
    slogan = models.CharField("品牌口号", max_length=100, blank=True)
    logo = models.ImageField("标志", upload_to="company/", blank=True)
    banner = models.ImageField("形象图", upload_to="company/", blank=True)
    introduction = models.TextField("公司简介", blank=True)
    hotline = models.CharField("销售热线", max_length=30, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    website = models.URLField("网址", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "开发商"

    def __str__(self) -> str:
        return self.short_name or self.name


class News(models.Model):
    """公司动态: shown publicly once published."""

    company = models.ForeignKey(Company, verbose_name="开发商", on_delete=models.PROTECT, related_name="news")
    title = models.CharField("标题", max_length=120)
    summary = models.CharField("摘要", max_length=300, blank=True)
    body = models.TextField("正文")
    cover = models.ImageField("封面", upload_to="news/", blank=True)
    is_published = models.BooleanField("已发布", default=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "公司动态"
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class PropertyManager(models.Model):
    """物业公司 the developer works with."""

    name = models.CharField("公司名称", max_length=100, unique=True)
    qualification = models.CharField("资质等级", max_length=50, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    introduction = models.TextField("简介", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "物业公司"

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    company = models.ForeignKey(Company, verbose_name="开发商", on_delete=models.PROTECT, related_name="departments")
    name = models.CharField("部门名称", max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name="上级部门", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = verbose_name_plural = "部门"
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="department_name_unique")]

    def __str__(self) -> str:
        return self.name


class Employee(models.Model):
    department = models.ForeignKey(Department, verbose_name="部门", on_delete=models.PROTECT, related_name="employees")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="系统账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="employee",
    )
    name = models.CharField("姓名", max_length=50)
    title = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    is_active = models.BooleanField("在职", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "员工"

    def __str__(self) -> str:
        return f"{self.name}（{self.department}）"
