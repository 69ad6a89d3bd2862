"""The command line: `python -m engagement init | demo | roles ... | import-people FILE`.

Every command prints one clear line on bad input and exits non-zero; no tracebacks.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select
from tqdm import tqdm

from engagement import exports, failures
from engagement.authz import GRANTABLE_ROLES, SYSTEM, role_label
from engagement.config import Settings, load_settings
from engagement.db import get_engine, migrate, unit_of_work
from engagement.demo import build_demo_company
from engagement.errors import ImportRejected, InvalidInput, NotFound
from engagement.i18n import _, format_date, format_number, ngettext, set_language
from engagement.maintenance import exclusive
from engagement.models import Department
from engagement.people_import.mapping import CHOICES
from engagement.people_import.reader import read_file
from engagement.services import markets, mixer, pulses, reports
from engagement.services import people_import as import_service
from engagement.services import roles as role_service
from engagement.services.directory import actor_for_email, find_department
from engagement.services.settings import privacy


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and one line (its default prints usage too)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m engagement", description=_("Virage administration."))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("init", help=_("Create or upgrade the database schema to the newest version."))
    demo = sub.add_parser("demo", help=_("Load the demo company into an empty database."))
    demo.add_argument("--employees", type=int, default=600, help=_("Number of people (60–20000)."))
    demo.add_argument(
        "--seed", type=int, default=7, help=_("Random seed: same seed, same company.")
    )
    demo.add_argument(
        "--if-empty",
        action="store_true",
        help=_("Do nothing (and succeed) when the database already holds a company."),
    )
    demo.add_argument(
        "--no-history",
        action="store_true",
        help=_("Only the org and its people: no past pulse waves or check-ins."),
    )
    sub.add_parser(
        "tick",
        help=_(
            "Release the pooled answers that can be released, then open the pulse waves "
            "that are due (run it daily from cron, just after midnight)."
        ),
    )
    report = sub.add_parser("report", help=_("Print a report."))
    rsub_report = report.add_subparsers(dest="report", required=True, parser_class=_Parser)
    heat = rsub_report.add_parser(
        "heatmap", help=_("Department × measure table of a wave, as shown on screen.")
    )
    heat.add_argument(
        "--wave", default="latest", help=_("“latest” (the last closed wave) or a wave number id.")
    )
    heat.add_argument(
        "--market",
        help=_("Only the people of this internal market (its name in English or in French)."),
    )
    heat.add_argument("--as", dest="as_email", help=_("Apply this person's permissions."))
    heat.add_argument("--format", choices=("csv", "json"), default="csv")
    audit = sub.add_parser(
        "audit",
        help=_(
            "Attack every published figure of waves as an adversary with an integer-programming "
            "solver would, and list any hidden count it could pin."
        ),
    )
    audit.add_argument(
        "--wave", default="all", help=_("“all” (every wave that has opened) or a wave id.")
    )
    audit.add_argument(
        "--as",
        dest="as_email",
        help=_("Audit what this person can read (default: everything a leader can read)."),
    )
    roles = sub.add_parser("roles", help=_("Grant, revoke or list roles."))
    rsub = roles.add_subparsers(dest="action", required=True, parser_class=_Parser)
    choices = ", ".join(r.value for r in GRANTABLE_ROLES)
    for action, text in (
        ("grant", _("Give a person a role.")),
        ("revoke", _("Take a role away from a person.")),
    ):
        p = rsub.add_parser(action, help=text)
        p.add_argument("email", help=_("The person's email."))
        p.add_argument("role", help=_("One of: {choices}.").format(choices=choices))
        p.add_argument(
            "--department",
            action="append",
            default=[],
            help=_("A managed department, by name or path (“Sales > Inside Sales”); repeatable."),
        )
    lst = rsub.add_parser("list", help=_("List role grants."))
    lst.add_argument("email", nargs="?", help=_("Only this person's roles."))
    _import_parser(sub)
    _bench_parser(sub)
    return parser


def _bench_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    bench = sub.add_parser(
        "bench",
        help=_("Build a synthetic company in an empty database and time the heatmap."),
        description=_(
            "Build a synthetic company with weekly pulse waves in an empty database, then time "
            "the heatmap against plain SQL and pandas, a trend, an internal market and "
            "concurrent submissions."
        ),
    )
    bench.add_argument("--employees", type=int, required=True, help=_("Number of people."))
    bench.add_argument("--waves", type=int, required=True, help=_("Number of weekly waves."))
    bench.add_argument(
        "--database-url",
        help=_("An empty database to build in (default: a temporary SQLite file, removed after)."),
    )
    bench.add_argument("--out", help=_("Write every figure to this JSON file."))
    bench.add_argument(
        "--repeat", type=int, default=5, help=_("Runs of each measurement; the median is shown.")
    )
    bench.add_argument(
        "--no-pandas",
        action="store_true",
        help=_("Skip the pandas baseline (it loads every answer into memory)."),
    )


def _import_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    imp = sub.add_parser(
        "import-people",
        help=_("Import people from an HR export (CSV, all or nothing)."),
        description=_(
            "Create and update people from an HR export keyed on their HR id. Every row is "
            "checked first: on any problem nothing is imported and every problem is listed."
        ),
    )
    imp.add_argument("file", help=_("The CSV file (comma, semicolon or tab separated)."))
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help=_(
            "Say which field a column holds when its header is not recognised; repeatable. "
            "Fields: {fields}."
        ).format(fields=", ".join(CHOICES)),
    )
    imp.add_argument(
        "--full",
        action="store_true",
        help=_("Deactivate active people missing from the file (they are never deleted)."),
    )
    imp.add_argument(
        "--dry-run", action="store_true", help=_("Check the file and count changes; write nothing.")
    )


def _cmd_init(settings: Settings, _args: argparse.Namespace) -> int:
    migrate(settings.database_url, settings.timeouts)
    print(_("Database is up to date."))
    return 0


def _cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings.database_url, settings.timeouts)
    engine = get_engine(settings.database_url, settings.timeouts)
    with exclusive(engine, "demo", _("demo build")), unit_of_work(engine) as session:
        if args.if_empty and session.exec(select(func.count()).select_from(Department)).one():
            print(_("The database already holds a company; the demo was not loaded."))
            return 0
        bar = tqdm(total=args.employees, disable=None, file=sys.stderr)

        def progress(done: int, total: int, label: str) -> None:
            if bar.total != total:  # a new stage: people, then weeks of history
                bar.reset(total=total)
            bar.set_description(label[:24])
            bar.update(done - bar.n)

        try:
            summary = build_demo_company(
                session=session,
                employees=args.employees,
                seed=args.seed,
                progress=progress,
                history=not args.no_history,
            )
        finally:
            bar.close()
    print(
        _("Loaded {company}: {people} people in {departments} departments.").format(
            company=summary.company, people=summary.employees, departments=summary.departments
        )
    )
    return 0


def _cmd_tick(settings: Settings, _args: argparse.Namespace) -> int:
    migrate(settings.database_url, settings.timeouts)
    engine = get_engine(settings.database_url, settings.timeouts)
    with unit_of_work(engine) as session:
        k = privacy(session, settings.min_group_size).min_group_size
    # the pool first: a wave that closed yesterday gets its last batches before it is read
    done = mixer.release(engine, k=k)
    print(
        ngettext(
            "Released {n} pooled answer ({waiting} waiting for more).",
            "Released {n} pooled answers ({waiting} waiting for more).",
            done.released,
        ).format(n=done.released, waiting=done.waiting)
    )
    with unit_of_work(engine) as session:
        opened = pulses.open_due_waves(session)
    print(ngettext("Opened {n} wave.", "Opened {n} waves.", opened).format(n=opened))
    return 0


def _cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    with unit_of_work(get_engine(settings.database_url, settings.timeouts)) as session:
        actor = actor_for_email(session=session, email=args.as_email) if args.as_email else SYSTEM
        wave_id = None
        if args.wave != "latest":
            if not str(args.wave).isdigit():
                raise InvalidInput(_("--wave takes “latest” or a wave id (a number)."))
            wave_id = int(args.wave)
        market_id = None
        if args.market:
            market = markets.market_named(session, args.market)
            if market is None:
                raise NotFound(_("No internal market is called “{name}”.").format(name=args.market))
            market_id = market.id
        report = reports.heatmap(
            session=session,
            actor=actor,
            k=privacy(session, settings.min_group_size).min_group_size,
            wave_id=wave_id,
            market_id=market_id,
        )
    text = reports.heatmap_csv(report) if args.format == "csv" else reports.heatmap_json(report)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


AUDIT_FOUND = 8  # exit status: the audit pinned something (1–6 and 70 are failures)


def _cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    from engagement.audit.run import audit_waves, finding_text  # scipy only loads here

    if args.wave != "all" and not str(args.wave).isdigit():
        raise InvalidInput(_("--wave takes “all” or a wave id (a number)."))
    with unit_of_work(get_engine(settings.database_url)) as session:
        actor = actor_for_email(session=session, email=args.as_email) if args.as_email else None
        k = privacy(session, settings.min_group_size).min_group_size
        bar = tqdm(total=0, unit=_("wave"), disable=None, file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        audits = audit_waves(
            session,
            None if args.wave == "all" else [int(args.wave)],
            k,
            actor=actor,
            progress=progress,
        )
        bar.close()
    if not audits:
        raise NotFound(_("No pulse wave has opened yet: there is nothing to audit."))
    pinned = 0
    for a in audits:
        r = a.result
        print(
            _(
                "Wave {id} (#{number}): {views} views, {facts} groups shown, {targets} hidden "
                "groups and direct-member sets, {checks} questions to the solver, {seconds} s: "
                "{outcome}"
            ).format(
                id=a.wave_id,
                number=a.number,
                views=a.views,
                facts=r.facts,
                targets=r.targets,
                checks=r.checks,
                seconds=format_number(r.seconds, 1),
                outcome=_("nothing pinned")
                if not r.findings
                else ngettext("{n} pinned", "{n} pinned", len(r.findings)).format(
                    n=len(r.findings)
                ),
            )
        )
        for f in r.findings:
            print("  " + finding_text(f))
        pinned += len(r.findings)
    print(
        _("Audited {n} waves at k = {k}: {outcome}.").format(
            n=len(audits),
            k=k,
            outcome=_("no hidden count could be pinned")
            if not pinned
            else ngettext("{n} count pinned", "{n} counts pinned", pinned).format(n=pinned),
        )
    )
    return AUDIT_FOUND if pinned else 0


def _cmd_roles(settings: Settings, args: argparse.Namespace) -> int:
    engine = get_engine(settings.database_url, settings.timeouts)
    with unit_of_work(engine) as session:
        if args.action == "list":
            rows = role_service.list_grants(session=session, actor=SYSTEM, email=args.email)
            if not rows:
                print(_("No roles granted yet."))
            for row in rows:
                scope = f"  [{'; '.join(row.departments)}]" if row.departments else ""
                # redirected to a file and opened in a spreadsheet, no cell runs as a formula
                cells = (row.email, role_label(row.role), format_date(row.granted_at) + scope)
                print("\t".join(str(exports.neutralise(c)) for c in cells))
            return 0
        dept_ids = [find_department(session, ref).id for ref in args.department]
        service = role_service.grant_role if args.action == "grant" else role_service.revoke_role
        message = service(
            session=session,
            actor=SYSTEM,
            email=args.email,
            role=args.role,
            department_ids=[d for d in dept_ids if d is not None],
        )
    print(message)
    return 0


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, field = pair.rpartition("=")
        if not sep or not column.strip() or not field.strip():
            raise InvalidInput(
                _('Write --map as COLUMN=FIELD, for example --map "Staff No=external_id".')
            )
        mapping[column.strip()] = field.strip()
    return mapping


def _cmd_import_people(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    data = read_file(path)  # refused by size before it is read
    mapping = _mapping(args.map)
    migrate(settings.database_url, settings.timeouts)
    # the steps are rows checked, then rows written: a percentage says it best
    bar = tqdm(
        desc=_("Importing"), bar_format="{l_bar}{bar}", disable=None, file=sys.stderr, leave=False
    )

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        engine = get_engine(settings.database_url, settings.timeouts)
        with (
            import_service.one_import_at_a_time(engine, dry_run=args.dry_run),
            unit_of_work(engine) as session,
        ):
            report = import_service.import_people(
                session=session,
                actor=SYSTEM,
                data=data,
                file_name=path.name,
                mapping=mapping or None,
                full=args.full,
                dry_run=args.dry_run,
                progress=progress,
            )
    except ImportRejected as exc:
        for problem in exc.problems:
            print(import_service.problem_line(problem), file=sys.stderr)
        print(exc, file=sys.stderr)
        return 1
    finally:
        bar.close()
    for note in report.notes:
        print(_("Note: {note}").format(note=note), file=sys.stderr)
    print(import_service.report_summary(report))
    return 0


def _cmd_bench(_settings: Settings, args: argparse.Namespace) -> int:
    from engagement import bench  # pandas is only needed here

    result = bench.run(
        database_url=args.database_url,
        employees=args.employees,
        waves=args.waves,
        repeat=args.repeat,
        pandas=not args.no_pandas,
    )
    print(bench.summary(result))
    if args.out:
        try:
            Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(
                _("Cannot write {file}: {reason}.").format(file=args.out, reason=exc.strerror)
            ) from None
        print(_("Figures written to {file}.").format(file=args.out))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit status."""
    set_language(os.environ.get("LC_ALL") or os.environ.get("LANG") or "en")
    # the one line printed below carries the log entry: no second copy from logging's fallback
    logging.getLogger("virage").addHandler(logging.NullHandler())
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        handler = {
            "init": _cmd_init,
            "tick": _cmd_tick,
            "report": _cmd_report,
            "demo": _cmd_demo,
            "roles": _cmd_roles,
            "import-people": _cmd_import_people,
            "bench": _cmd_bench,
            "audit": _cmd_audit,
        }[args.command]
        return handler(settings, args)
    except KeyboardInterrupt:
        # the unit of work rolled back: nothing is half-written
        print(_("Interrupted: nothing was changed by the unfinished step."), file=sys.stderr)
        return 130
    except Exception as exc:  # one failure path: one line, an exit status by kind
        failure = failures.describe(exc)
        line = failure.line()
        if failure.error_id:  # the line is the log entry cron or systemd keeps
            line = f"{line} [{failure.log}]"
        print(_("Error: {message}").format(message=line), file=sys.stderr)
        return failure.exit_status
