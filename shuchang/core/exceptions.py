"""The base of every business-rule failure: carries the Chinese message a user sees."""


class DomainError(Exception):
    """A refused operation; `message` is shown to the user as it is."""

    default_message = "操作未能完成"

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)


class TransitionNotAllowed(DomainError):
    def __init__(self, obj: object, from_status: str, to_status: str):
        super().__init__(f"{obj}：当前状态（{from_status}）不能变更为（{to_status}）")


class ConcurrentChange(DomainError):
    def __init__(self, obj: object):
        super().__init__(f"{obj} 已被他人修改，请刷新后重试")
