from django.core.exceptions import ValidationError


class LettersAndDigitsValidator:
    """The password policy: at least one letter and one digit (length and common words are checked elsewhere)."""

    def validate(self, password: str, user=None) -> None:
        if not (any(char.isalpha() for char in password) and any(char.isdigit() for char in password)):
            raise ValidationError("密码须同时包含字母和数字", code="password_letters_and_digits")

    def get_help_text(self) -> str:
        return "密码须同时包含字母和数字。"
