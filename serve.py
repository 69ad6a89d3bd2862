"""The server: `streamlit run serve.py` serves the portal (app.py) with Virage's HTTP layer.

app.py stays the page script (sign-in gate and navigation). This module is the one place
where HTTP routes and middleware beside the app are declared: add a route to ROUTES (not
under /_stcore/, /media/, /component/ or /static/) or a middleware to MIDDLEWARE, and every
replica serves it. MIDDLEWARE runs before Streamlit's own, on every HTTP response.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from engagement.http_headers import SecurityHeaders

ROUTES: list[BaseRoute] = []
MIDDLEWARE: list[Middleware] = [Middleware(SecurityHeaders)]

app = st.App("app.py", routes=ROUTES, middleware=MIDDLEWARE)
