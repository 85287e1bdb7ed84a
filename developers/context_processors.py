from django.utils.functional import SimpleLazyObject

from developers import selectors


def site_company(request) -> dict:
    """`site_company` for the storefront header and footer (hotline, name).

    Lazy, so pages that never show it (admin, partials) cost no query.
    """
    return {"site_company": SimpleLazyObject(selectors.company_get_primary)}
