"""Every page's settings as one :class:`~optviz.state.PageState`, a module per page (``explorer``, ``sweep``,
``train``, ``inspect``, ``frameworks``): its fields, URL keys, bounds and defaults in one table each, so a link
round-trips without running the page (``from_query(to_query(s)) == s``). UI-free."""
