"""Who may see what: `admin_required` guards Admin-only pages."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render


def admin_required(view):
    """Signed-in Admins of a tenant only: anonymous people go to sign-in, Users get a
    friendly 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.tenant_id is None or not user.is_tenant_admin:
            return render(request, "tenants/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
