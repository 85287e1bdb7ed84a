from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import User
from shuchang.core.prepared import execute_prepared
from shuchang.core.validators import MOBILE_RE


class MobileOrUsernameBackend(ModelBackend):
    """Buyers sign in with their mobile number, staff with their username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and MOBILE_RE.match(username):
            user = User.objects.filter(mobile=username).first()
            if user is not None:
                username = user.get_username()
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        """The signed-in user of a request. Every signed-in request runs this, thousands a second at
        an opening, so on PostgreSQL it is one prepared SELECT of the row: building the same query
        through the ORM each time cost more CPU than PostgreSQL spent answering it."""
        if connection.vendor != "postgresql":
            return super().get_user(user_id)
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        with connection.cursor() as cursor:
            execute_prepared(cursor, "accounts_user_by_pk", _USER_BY_PK_SQL, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = User.from_db(connection.alias, _USER_FIELD_NAMES, row)
        return user if self.user_can_authenticate(user) else None


# PostgreSQL hands every column of the user row back as the field's Python value (no converters).
_USER_FIELDS = User._meta.concrete_fields
_USER_FIELD_NAMES = [field.attname for field in _USER_FIELDS]
_USER_BY_PK_SQL = "SELECT {} FROM {} WHERE {} = %s".format(  # noqa: S608 - names from model metadata
    ", ".join(f'"{field.column}"' for field in _USER_FIELDS), f'"{User._meta.db_table}"', f'"{User._meta.pk.column}"'
)
