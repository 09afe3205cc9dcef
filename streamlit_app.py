"""Vision Explorer's entry point: only the router (``st.navigation``) and the shared sidebar."""

import streamlit as st

from ui import capacity, frontend_preload, images, urlstate, warmup
from ui.site_map import PICKER_URL_PATHS, SITE_MAP

st.set_page_config(page_title="Vision Explorer", layout="wide")
urlstate.keep_page_state()  # first: a run that a click cuts short has still kept the widgets' latest values
capacity.gate()  # past VISION_EXPLORER_MAX_SESSIONS sessions, a newcomer sees "this demo is full" and nothing else

sections: dict[str, list] = {}
for entry in SITE_MAP:
    options = {"url_path": entry.url_path} if entry.url_path else {"default": True}
    sections.setdefault(entry.section, []).append(st.Page(entry.path, title=entry.title, **options))

page = st.navigation(sections, expanded=True)  # every page in view: learners find their way by the list
urlstate.new_page(page.url_path)  # a link's warnings stay on the page it opened, and only there
warmup.import_shared_libraries()  # before any page: two first runs must not import pandas at once
if page.url_path in PICKER_URL_PATHS:
    images.picker()
else:
    images.leave_out_picker()
page.run()
frontend_preload.preload_once()  # the heavy element code loads while the first page is read
