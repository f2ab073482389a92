"""optviz entry point: routes to the pages (run with ``streamlit run app.py``)."""

from pathlib import Path

import streamlit as st

from pages.components.registry import available_pages

st.set_page_config(
    page_title="optviz: see how optimizers behave",
    page_icon=str(Path(__file__).parent / "assets" / "favicon.png"),
    layout="wide",
)
st.html(Path(__file__).parent / "assets" / "layout.css")  # one small stylesheet for every page (see its header)

home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)
pages = [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path) for p in available_pages()]
st.navigation([home, *pages], position="top").run()  # the page links in the header: full width
