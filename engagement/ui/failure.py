"""The portal's side of the one failure path: Virage's own message, never Streamlit's box."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from engagement import failures
from engagement.i18n import _
from engagement.safe_text import plain_markdown

_LOG = logging.getLogger("virage")
if not _LOG.handlers:  # the server's console is the portal's log
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    _LOG.addHandler(_handler)
    _LOG.setLevel(logging.INFO)
    _LOG.propagate = False


def show_failure(error: BaseException) -> failures.Failure:
    """Show what went wrong and what to do (with an error id when it was logged)."""
    failure = failures.describe(error)
    if failure.error_id:
        st.error(plain_markdown(failure.message), icon=":material/error:")
        st.caption(
            _("Error id {id}: your administrator finds it in Virage's log.").format(
                id=failure.error_id
            )
        )
    else:
        st.error(plain_markdown(failure.message))  # it may quote what someone typed
    return failure


@contextmanager
def failures_shown() -> Iterator[None]:
    """Around a whole run: any error left uncaught is shown as Virage's message, not a trace.
    (st.stop and st.rerun are BaseExceptions and pass through.)"""
    try:
        yield
    except Exception as error:
        show_failure(error)
