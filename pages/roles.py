"""Roles (admin): grant and revoke roles, with managed departments for managers."""

import streamlit as st

from engagement import ui
from engagement.authz import GRANTABLE_ROLES, Role, role_label
from engagement.i18n import _
from engagement.services import directory, roles
from engagement.ui import coaching as coaching_view
from engagement.ui import render

actor = ui.guard(__file__)
st.title(_("Roles"))
st.caption(_("Everyone is an employee. Grant the other roles here; managers need departments."))
ui.show_flash()
tree = ui.load(directory.org_chart, scope="company")
labels = {r.id: render.department_label(r) for r in tree}
people = {p.email: p.label for p in ui.load(directory.people_choices)}

with st.container(border=True):
    st.subheader(_("Grant a role"))
    left, right = st.columns([3, 2])
    email = left.selectbox(
        _("Person"),
        list(people),
        index=None,
        format_func=people.__getitem__,
        placeholder=_("Type a name or an email"),
        key="roles.grant.person",
    )
    role = right.selectbox(
        _("Role"), GRANTABLE_ROLES, format_func=role_label, key="roles.grant.role"
    )
    departments: list[int] = []
    if role is Role.MANAGER:
        departments = st.multiselect(
            _("Departments they manage (with everything below)"),
            list(labels),
            format_func=labels.__getitem__,
            placeholder=_("Choose one or more departments"),
            key="roles.grant.departments",
        )
    if st.button(_("Grant role"), type="primary", key="roles.grant.submit"):
        if email is None:
            st.error(_("Choose a person first."))
        elif message := ui.act(
            roles.grant_role, email=email, role=role.value, department_ids=departments
        ):
            ui.flash(ui.plain_markdown(message))  # it names the person
            st.rerun()

grants = ui.load(roles.list_grants)
st.subheader(_("Current roles"))
render.grants_table(grants)

with st.container(border=True):
    st.subheader(_("Revoke a role"))
    index = st.selectbox(
        _("Role to revoke"),
        range(len(grants)),
        index=None,
        format_func=lambda i: f"{grants[i].name} — {role_label(grants[i].role)}",
        placeholder=_("Choose a person's role"),
        key="roles.revoke.grant",
    )
    removing: list[int] = []
    if index is not None and len(grants[index].department_ids) > 1:
        paths = dict(zip(grants[index].department_ids, grants[index].departments, strict=True))
        removing = st.multiselect(
            _("Only these departments (leave empty to revoke the whole role)"),
            list(paths),
            format_func=paths.__getitem__,
            placeholder=_("All their departments"),
            key="roles.revoke.departments",
        )
    if st.button(_("Revoke"), key="roles.revoke.submit", disabled=index is None):
        assert index is not None
        grant = grants[index]
        message = ui.act(
            roles.revoke_role, email=grant.email, role=grant.role.value, department_ids=removing
        )
        if message:
            ui.flash(ui.plain_markdown(message))  # it names the person
            st.rerun()

coaching_view.hr_partners_section()
