from shuchang.core.exceptions import DomainError


class UnitUnavailable(DomainError):
    default_message = "该房源已被选，请选择其他房源"


class NothingToPublish(DomainError):
    default_message = "所选房源中没有未公布的房源"


class PriceImportRejected(DomainError):
    """A price list with bad rows: nothing was written; `errors` lists (row number, message)."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__(f"价目表有 {len(errors)} 处错误，未导入任何数据")
