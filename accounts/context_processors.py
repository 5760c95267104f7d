from accounts.branding import PRODUCT_BRAND, brand_for_agency, brand_for_workspace
from accounts.selectors import workspaces_for_user


def navigation(request) -> dict:
    """The workspaces the signed-in user can switch between (lazy: no query unless a page uses it).

    On an agency's own host name, only that agency's workspaces.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "second_factor_missing", False):
        return {}  # staff owing their agency a second factor see no client's name until they set one up
    workspaces = workspaces_for_user(user=user)
    host_agency = getattr(request, "host_agency", None)
    if host_agency is not None:
        workspaces = workspaces.filter(agency_id=host_agency.agency_id)
    return {"nav_workspaces": workspaces}


def brand(request) -> dict:
    """`brand` for every template: the host's agency, else the page's workspace or agency, else the product."""
    host_agency = getattr(request, "host_agency", None)
    workspace = getattr(request, "brand_workspace", None)
    if workspace is not None and (host_agency is None or workspace.agency_id == host_agency.agency_id):
        return {"brand": brand_for_workspace(workspace)}
    if host_agency is not None:
        return {"brand": host_agency.brand}
    agency = getattr(request, "brand_agency", None)
    return {"brand": brand_for_agency(agency) if agency is not None else PRODUCT_BRAND}
