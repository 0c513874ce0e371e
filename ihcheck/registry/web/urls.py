"""The pages' URLs (namespace registry-web); the API and Django's admin stay in ihcheck.registry.urls."""

from django.contrib.auth import views as auth_views
from django.urls import path

from ihcheck.registry.web import manage, views

app_name = "registry-web"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("login/", auth_views.LoginView.as_view(template_name="registry/login.html",
                                                next_page="registry-web:overview"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="registry-web:login"), name="logout"),
    path("hospitals/<str:uscc>/", views.hospital, name="hospital"),
    path("hospitals/<str:uscc>/drift/<str:digest>/", views.drift, name="drift"),
    path("rules/<str:rule_id>/", views.rule, name="rule"),
    path("bundles/<str:digest>/findings/<int:index>/", views.finding, name="finding"),
    path("actions/", views.action_log, name="actions"),
    path("manage/", manage.index, name="manage"),
    path("manage/accounts/", manage.create_account, name="manage-account"),
    path("manage/accounts/<str:username>/deactivate/", manage.deactivate_account, name="manage-deactivate"),
    path("manage/hospitals/<str:uscc>/", manage.hospital, name="manage-hospital"),
    path("manage/hospitals/<str:uscc>/keys/", manage.add_key, name="manage-key"),
    path("manage/hospitals/<str:uscc>/keys/rotate/", manage.rotate_key, name="manage-rotate"),
    path("manage/hospitals/<str:uscc>/keys/revoke/", manage.revoke_key, name="manage-revoke"),
    path("manage/hospitals/<str:uscc>/tokens/", manage.issue_token, name="manage-token"),
    path("manage/hospitals/<str:uscc>/tokens/revoke/", manage.revoke_tokens, name="manage-revoke-tokens"),
    path("manage/hospitals/<str:uscc>/upload/", manage.upload, name="manage-upload"),
]
