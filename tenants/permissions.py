"""Per-operation permissions. Roles stay Admin and User: an Admin may do everything;
a User may do what the permission groups they belong to allow (nothing by default).

- `user_can(user, perm) -> bool` with perm one of PERMISSIONS ("run_backups",
  "restore", "archive", "export", "search", "purge", "manage_settings").
- `user_permissions(user) -> frozenset[str]` (computed once per user object).
- `@permission_required_or_403(perm)`: anonymous people go to sign-in, others
  without the permission get the 403 page (JSON for an API request); `forbidden(request,
  perm)` is that answer, for views that check inside (one view, several actions).
- The context processor `tenants.permissions.can` puts `can` in every template:
  `{% if can.purge %}...{% endif %}` hides what the user may not do.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render

from tenants.models import Permission, PermissionGroup, User

PERMISSIONS: tuple[str, ...] = tuple(Permission.values)
_CACHE = "_orgvault_permissions"


def user_permissions(user) -> frozenset[str]:
    """What `user` may do: all for an active Admin of a tenant, their groups' union for
    a User, nothing for anyone else. Cached on the user object (one query)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE, None)
    if cached is not None:
        return cached
    if user.tenant_id is None:
        perms: frozenset[str] = frozenset()
    elif user.is_tenant_admin:
        perms = frozenset(PERMISSIONS)
    else:
        lists = PermissionGroup.objects.filter(tenant_id=user.tenant_id, members=user).values_list(
            "permissions", flat=True
        )
        perms = frozenset(p for group in lists for p in group if p in PERMISSIONS)
    setattr(user, _CACHE, perms)
    return perms


def user_permissions_forget(user: User) -> None:
    """Drop the cached set (after the user's groups changed in this request)."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def user_can(user, perm: str) -> bool:
    if perm not in PERMISSIONS:
        raise ValueError(f"Unknown permission {perm!r}: use one of {', '.join(PERMISSIONS)}.")
    return perm in user_permissions(user)


def _wants_json(request: HttpRequest) -> bool:
    return hasattr(request, "api_token") or "application/json" in request.META.get(
        "HTTP_ACCEPT", ""
    )


def forbidden(request: HttpRequest, perm: str):
    """The 403 answer for a request lacking `perm` (JSON for an API request)."""
    label = Permission(perm).label
    if _wants_json(request):
        return JsonResponse({"error": f"You do not have the “{label}” permission."}, status=403)
    return render(request, "tenants/forbidden.html", {"missing_permission": label}, status=403)


def permission_required_or_403(perm: str) -> Callable:
    if perm not in PERMISSIONS:
        raise ValueError(f"Unknown permission {perm!r}: use one of {', '.join(PERMISSIONS)}.")

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_can(user, perm):
                return forbidden(request, perm)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class _Can:
    """`can.<perm>` in templates, evaluated on first use only."""

    def __init__(self, user) -> None:
        self._user = user

    def __getattr__(self, perm: str) -> bool:
        if perm.startswith("_"):
            raise AttributeError(perm)
        return perm in PERMISSIONS and perm in user_permissions(self._user)

    def __getitem__(self, perm: str) -> bool:
        return self.__getattr__(perm)


def can(request: HttpRequest) -> dict:
    """Context processor: `can.export`, `can.purge`, ... for the signed-in user."""
    return {"can": _Can(getattr(request, "user", None))}
