from accounts.selectors import workspaces_for_user


def navigation(request) -> dict:
    """The workspaces the signed-in user can switch between (lazy: no query unless a page uses it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_workspaces": workspaces_for_user(user=user)}
