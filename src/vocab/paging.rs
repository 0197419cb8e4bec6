//! Where paginated lists say how to get the next page.

/// Keys (normalised) whose string value is the next page's URL, also one level down
/// (`links.next`, `_links.next.href`, `paging.next`).
pub(crate) const NEXT_LINK_KEYS: &[&str] =
    &["next", "nextpage", "nexturl", "nextlink", "nextpageurl"];

/// Objects that hold the next-page link (`{"links": {"next": …}}`), normalised.
pub(crate) const LINK_HOLDERS: &[&str] = &["links", "link", "paging", "pagination", "meta", "page"];

/// Keys (normalised) of a cursor for the next page, and the query parameters that take it.
pub(crate) const CURSOR_FIELDS: &[&str] = &[
    "nextcursor",
    "cursor",
    "nextpagetoken",
    "pagetoken",
    "endcursor",
    "continuationtoken",
    "after",
];
pub(crate) const CURSOR_PARAMS: &[&str] = &[
    "cursor",
    "after",
    "startingafter",
    "pagetoken",
    "nextpagetoken",
    "continuationtoken",
    "startafter",
];

/// Query parameters (normalised) that set a list's page size.
pub(crate) const PAGE_SIZE_PARAMS: &[&str] = &[
    "limit",
    "perpage",
    "pagesize",
    "size",
    "count",
    "maxresults",
    "top",
    "first",
];
