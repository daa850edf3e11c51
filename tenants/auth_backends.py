from django.contrib.auth.backends import ModelBackend

from tenants.models import User


class TenantEmailBackend(ModelBackend):
    """Authenticate by (tenant, email, password): emails are unique only per tenant."""

    def authenticate(self, request, tenant=None, email=None, password=None, **kwargs):
        if tenant is None or not email or password is None:
            username = kwargs.get("username")
            if username and password is not None:
                return super().authenticate(request, username=username, password=password)
            return None
        user = User.objects.filter(tenant=tenant, email__iexact=email.strip()).first()
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The signed-in user with their tenant in the same query (every page shows it)."""
        user = User.objects.select_related("tenant").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
