from shuchang.core.exceptions import DomainError


class MobileTaken(DomainError):
    default_message = "该手机号已注册，请直接登录"


class IdNumberTaken(DomainError):
    default_message = "该身份证号已被其他账号实名认证，如有疑问请联系售楼处"


class AlreadyVerified(DomainError):
    default_message = "您已完成实名认证，如需修改请联系售楼处"
