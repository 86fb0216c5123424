from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import passwords, security_views, signin, views
from .forms import QueuedPasswordResetForm

app_name = "accounts"

urlpatterns = [
    path(
        "accounts/login/",
        signin.SignInView.as_view(),
        name="login",
    ),
    path("accounts/login/code/", signin.signin_code, name="signin_code"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        passwords.PasswordResetView.as_view(
            form_class=QueuedPasswordResetForm,
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:login"),
            post_reset_login=False,
        ),
        name="password_reset_confirm",
    ),
    path("accounts/invitation/<str:token>/", views.invitation, name="invitation"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/switch/", views.switch, name="switch"),
    # The person's own sign-in security, under /staff/ with the other signed-in pages.
    path("staff/security/", security_views.security, name="security"),
    path("staff/security/two-factor/", security_views.two_factor_setup, name="two_factor_setup"),
    path("staff/security/two-factor/off/", security_views.two_factor_off, name="two_factor_off"),
    path("staff/security/sessions/end/", security_views.session_end, name="session_end"),
    path(
        "staff/security/sessions/end-others/",
        security_views.sessions_end_others,
        name="sessions_end_others",
    ),
    path("staff/new-organisation/", views.new_organisation, name="new_organisation"),
    path("staff/<slug:org>/members/", views.members, name="members"),
    path("staff/<slug:org>/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path(
        "staff/<slug:org>/members/<int:member_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "staff/<slug:org>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("staff/<slug:org>/settings/", views.organisation_settings, name="settings"),
    path(
        "staff/<slug:org>/settings/two-factor/",
        security_views.two_factor_requirement,
        name="two_factor_requirement",
    ),
]
