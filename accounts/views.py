"""Buyer account pages: register, sign in and out, real-name verification (实名认证), 我的."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters

from accounts import exceptions, services
from accounts.forms import LoginForm, RegisterForm, VerifyIdentityForm
from shuchang.core.exceptions import DomainError


@login_not_required
@sensitive_post_parameters("password1", "password2")
def register(request):
    if request.user.is_authenticated:
        return redirect("accounts:me")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.buyer_register(mobile=form.cleaned_data["mobile"], password=form.cleaned_data["password1"])
        except DomainError as error:
            form.add_error("mobile", error.message)
        else:
            # Named, because more than one backend is configured (the lock-out check comes first).
            auth_login(request, user, backend="accounts.backends.MobileOrUsernameBackend")
            messages.success(request, "注册成功！请完成实名认证，认证后即可参加开盘选房。")
            return redirect("accounts:verify")
    return render(request, "accounts/register.html", {"form": form})


class AccountLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # Staff work in the back office; buyers return to the storefront.
        if self.request.user.is_staff:
            return reverse("admin:index")
        return super().get_default_redirect_url()


def _buyer_profile_or_404(user):
    """The signed-in buyer's real-name profile; staff have none, so this page does not exist for them."""
    profile = getattr(user, "buyer_profile", None)
    if user.is_staff or profile is None:
        raise Http404("仅购房者可使用此页面")
    return profile


def verify(request):
    profile = _buyer_profile_or_404(request.user)
    if profile.verified_at is not None:
        messages.info(request, "您已完成实名认证。")
        return redirect("accounts:me")
    form = VerifyIdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.buyer_verify_identity(
                user=request.user, real_name=form.cleaned_data["real_name"], id_number=form.cleaned_data["id_number"]
            )
        except exceptions.IdNumberTaken as error:
            form.add_error("id_number", error.message)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "实名认证成功。")
            return redirect("accounts:me")
    return render(request, "accounts/verify.html", {"form": form})


def me(request):
    if request.user.is_staff:
        return redirect("admin:index")
    profile = _buyer_profile_or_404(request.user)
    return render(request, "accounts/me.html", {"profile": profile})
