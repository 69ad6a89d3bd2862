"""Change-explanation modules: authoring (HR), publishing frozen versions, reading and checks.

A module has versions; a published version never changes: editing it makes a new draft.
People read the newest published version; their progress and check results are learning
records (not pulse answers) and reach analytics only through the suppression path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from engagement.authz import SYSTEM, Actor, Role, require_role
from engagement.errors import InvalidInput, NotAllowed, NotFound
from engagement.i18n import LANGUAGES, _, get_language, localized
from engagement.models import (
    Campaign,
    CampaignAudience,
    CampaignModule,
    CampaignStatus,
    ModuleProgress,
    ModuleStatus,
    ModuleVersion,
)
from engagement.models.org import utcnow
from engagement.modules import (
    STEPS,
    ModuleFile,
    ModuleText,
    load_module_sources,
    parse_module,
    same_structure,
    score,
    shipped_modules,
    to_markdown,
)
from engagement.pillars import Pillar
from engagement.services import audit

MAX_IMPORT_FILES = 50


@dataclass(frozen=True)
class ModuleSummary:
    key: str
    title: str
    pillar: Pillar
    version: int  # the newest version (draft or published)
    status: ModuleStatus
    published_version: int | None
    minutes: int
    missing: list[str]  # languages without a text


def _versions(session: Session, key: str) -> list[ModuleVersion]:
    return list(
        session.exec(
            select(ModuleVersion)
            .where(ModuleVersion.module_key == key)
            .order_by(col(ModuleVersion.version).desc())
        ).all()
    )


def _latest_published(session: Session, key: str) -> ModuleVersion | None:
    return session.exec(
        select(ModuleVersion)
        .where(
            ModuleVersion.module_key == key,
            ModuleVersion.status == ModuleStatus.PUBLISHED.value,
        )
        .order_by(col(ModuleVersion.version).desc())
    ).first()


def _title(row: ModuleVersion) -> str:
    return localized({lang: c.get("title", "") for lang, c in row.content.items()})[0]


def list_modules(*, session: Session, actor: Actor) -> list[ModuleSummary]:
    """Every module with its newest version, for HR (and leaders choosing campaign modules)."""
    require_role(actor, Role.HR, Role.LEADER)
    rows = session.exec(
        select(ModuleVersion).order_by(
            col(ModuleVersion.module_key), col(ModuleVersion.version).desc()
        )
    ).all()
    newest: dict[str, ModuleVersion] = {}
    published: dict[str, int] = {}
    for row in rows:
        newest.setdefault(row.module_key, row)
        if row.status == ModuleStatus.PUBLISHED.value:
            published.setdefault(row.module_key, row.version)
    return [
        ModuleSummary(
            key=key,
            title=_title(row),
            pillar=Pillar(row.pillar),
            version=row.version,
            status=ModuleStatus(row.status),
            published_version=published.get(key),
            minutes=row.minutes,
            missing=[lang for lang in LANGUAGES if lang not in row.content],
        )
        for key, row in newest.items()
    ]


@dataclass(frozen=True)
class ModuleEdit:
    """What the editor starts from: the newest version of a module, every language."""

    key: str
    version: int
    status: ModuleStatus
    pillar: Pillar
    minutes: int
    pass_mark: int
    texts: dict[str, ModuleText]


def module_for_editing(*, session: Session, actor: Actor, key: str) -> ModuleEdit:
    """The newest version of a module, for HR's editor."""
    require_role(actor, Role.HR)
    versions = _versions(session, key)
    if not versions:
        raise NotFound(_("That module no longer exists."))
    row = versions[0]
    return ModuleEdit(
        key=row.module_key,
        version=row.version,
        status=ModuleStatus(row.status),
        pillar=Pillar(row.pillar),
        minutes=row.minutes,
        pass_mark=row.pass_mark,
        texts={lang: ModuleText.from_json(c) for lang, c in row.content.items()},
    )


def _check_draft(
    key: str, pillar: str, minutes: int, pass_mark: int, texts: dict[str, ModuleText]
) -> None:
    """Validate a draft the way a file is validated: through the file format itself."""
    if not texts:
        raise InvalidInput(_("Write the module in at least one language."))
    files: list[ModuleFile] = []
    for lang, text in texts.items():
        if lang not in LANGUAGES:
            raise InvalidInput(_("Unknown language: {value}.").format(value=lang))
        source = f"{key or '?'}.{lang}.md"
        files.append(
            parse_module(
                to_markdown(
                    key=key,
                    pillar=pillar,
                    language=lang,
                    version=1,
                    minutes=minutes,
                    pass_mark=pass_mark,
                    text=text,
                ),
                source,
            )
        )
    for other in files[1:]:
        problem = same_structure(files[0], other)
        if problem:
            raise InvalidInput(problem)


def save_module_draft(
    *,
    session: Session,
    actor: Actor,
    key: str,
    pillar: str,
    minutes: int,
    pass_mark: int,
    texts: dict[str, ModuleText],
) -> int:
    """Save the draft of a module (a published newest version gets a new draft); its version."""
    require_role(actor, Role.HR)
    key = key.strip().lower()
    _check_draft(key, pillar, minutes, pass_mark, texts)
    versions = _versions(session, key)
    content = {lang: text.to_json() for lang, text in texts.items()}
    if versions and versions[0].status == ModuleStatus.DRAFT.value:
        row = versions[0]
        row.pillar, row.minutes, row.pass_mark, row.content = pillar, minutes, pass_mark, content
    else:
        row = ModuleVersion(
            module_key=key,
            version=(versions[0].version + 1) if versions else 1,
            status=ModuleStatus.DRAFT.value,
            pillar=pillar,
            minutes=minutes,
            pass_mark=pass_mark,
            content=content,
            created_by=actor.email,
        )
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="module.save",
        target=key,
        after={"version": row.version, "languages": sorted(content)},
    )
    session.flush()
    return row.version


def publish_module(*, session: Session, actor: Actor, key: str) -> int:
    """Publish the draft of a module: from now on that version is frozen."""
    require_role(actor, Role.HR)
    versions = _versions(session, key)
    if not versions:
        raise NotFound(_("That module no longer exists."))
    row = versions[0]
    if row.status != ModuleStatus.DRAFT.value:
        raise InvalidInput(
            _("Version {version} is already published: edit it to make a new draft.").format(
                version=row.version
            )
        )
    row.status = ModuleStatus.PUBLISHED.value
    row.published_by, row.published_at = actor.email, utcnow()
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="module.publish",
        target=key,
        after={"version": row.version, "languages": sorted(row.content)},
    )
    session.flush()
    return row.version


def _store_files(
    session: Session, actor: Actor, modules: dict[str, dict[str, ModuleFile]], publish: bool
) -> list[str]:
    keys = []
    for key, languages in sorted(modules.items()):
        first = next(iter(languages.values()))
        texts = {lang: doc.text for lang, doc in languages.items()}
        if publish and _versions(session, key):
            continue  # shipped content never overwrites what HR made of it
        save_module_draft(
            session=session,
            actor=actor,
            key=key,
            pillar=first.pillar,
            minutes=first.minutes,
            pass_mark=first.pass_mark,
            texts=texts,
        )
        if publish:
            publish_module(session=session, actor=actor, key=key)
        keys.append(key)
    return keys


def import_modules(*, session: Session, actor: Actor, files: list[tuple[str, bytes]]) -> list[str]:
    """Import module files as drafts, all or nothing; returns the module ids imported."""
    require_role(actor, Role.HR)
    if not files:
        raise InvalidInput(_("Choose at least one module file (.md)."))
    if len(files) > MAX_IMPORT_FILES:
        raise InvalidInput(_("At most {n} files at once.").format(n=MAX_IMPORT_FILES))
    result = load_module_sources((Path(name).name, data) for name, data in files)
    if result.errors:
        listed = "\n".join(f"- {e}" for e in result.errors)
        raise InvalidInput(
            _("Nothing was imported. Fix these files and try again:") + "\n" + listed
        )
    keys = _store_files(session, actor, result.modules, publish=False)
    audit.record(
        session,
        actor=actor,
        action="module.import",
        target=", ".join(keys)[:500],
        after={"modules": keys},
    )
    return keys


def load_shipped_modules(session: Session) -> list[str]:
    """Publish the modules shipped in content/modules that the database does not have yet."""
    result = shipped_modules()
    if result.errors:
        raise InvalidInput("\n".join(str(e) for e in result.errors))
    return _store_files(session, SYSTEM, result.modules, publish=True)


def export_module(*, session: Session, actor: Actor, key: str, language: str) -> tuple[str, str]:
    """A module's newest version in one language as a file: (file name, text)."""
    edit = module_for_editing(session=session, actor=actor, key=key)
    if language not in edit.texts:
        raise NotFound(_("This module has no text in that language yet."))
    text = to_markdown(
        key=edit.key,
        pillar=edit.pillar.value,
        language=language,
        version=edit.version,
        minutes=edit.minutes,
        pass_mark=edit.pass_mark,
        text=edit.texts[language],
    )
    return f"{edit.key}.{language}.md", text


# ---- reading (every employee) ----


@dataclass(frozen=True)
class Progress:
    step: int
    completed: bool
    attempts: int
    last_score: int | None
    passed: bool


@dataclass(frozen=True)
class ModuleCard:
    key: str
    title: str
    summary: str
    pillar: Pillar
    minutes: int
    assigned: bool
    progress: Progress | None


@dataclass(frozen=True)
class ModuleView:
    key: str
    version: int
    pillar: Pillar
    minutes: int
    pass_mark: int
    language: str  # the language shown
    fell_back: bool
    text: ModuleText
    progress: Progress | None


def _progress(row: ModuleProgress | None) -> Progress | None:
    if row is None:
        return None
    return Progress(
        step=row.step,
        completed=row.completed_at is not None,
        attempts=row.attempts,
        last_score=row.last_score,
        passed=row.passed_at is not None,
    )


def _pick_language(content: dict[str, object]) -> tuple[str, bool]:
    wanted = get_language()
    if wanted in content:
        return wanted, False
    return next(lang for lang in (*LANGUAGES, *content) if lang in content), True


def assigned_keys(session: Session, employee_id: int) -> list[str]:
    """Modules linked to the live or closed campaigns that reached a person."""
    rows = session.exec(
        select(CampaignModule.module_key)
        .join(CampaignAudience, col(CampaignAudience.campaign_id) == CampaignModule.campaign_id)
        .join(Campaign, col(Campaign.id) == CampaignModule.campaign_id)
        .where(
            CampaignAudience.employee_id == employee_id,
            col(Campaign.status).in_([CampaignStatus.LIVE.value, CampaignStatus.CLOSED.value]),
        )
        .order_by(col(Campaign.starts_on).desc(), col(CampaignModule.position))
    ).all()
    return list(dict.fromkeys(rows))


def my_modules(*, session: Session, actor: Actor) -> list[ModuleCard]:
    """Published modules for the actor: those their campaigns assign first, then the rest."""
    require_role(actor, Role.EMPLOYEE)
    if actor.employee_id is None:
        return []
    assigned = assigned_keys(session, actor.employee_id)
    rows: dict[str, ModuleVersion] = {}  # the newest published version of each module
    for row in session.exec(
        select(ModuleVersion)
        .where(ModuleVersion.status == ModuleStatus.PUBLISHED.value)
        .order_by(col(ModuleVersion.version).desc())
    ).all():
        rows.setdefault(row.module_key, row)
    progress = {
        p.module_key: p
        for p in session.exec(
            select(ModuleProgress).where(ModuleProgress.employee_id == actor.employee_id)
        ).all()
    }
    order = [k for k in assigned if k in rows] + sorted(k for k in rows if k not in assigned)
    cards = []
    for key in order:
        row = rows[key]
        lang, _fell = _pick_language(row.content)
        text = ModuleText.from_json(row.content[lang])
        cards.append(
            ModuleCard(
                key=key,
                title=text.title,
                summary=text.summary,
                pillar=Pillar(row.pillar),
                minutes=row.minutes,
                assigned=key in assigned,
                progress=_progress(progress.get(key)),
            )
        )
    return cards


def read_module(*, session: Session, actor: Actor, key: str) -> ModuleView:
    """The newest published version of a module in the actor's language, with their progress."""
    require_role(actor, Role.EMPLOYEE)
    row = _latest_published(session, key)
    if row is None:
        raise NotFound(_("This module is not published."))
    lang, fell_back = _pick_language(row.content)
    mine = (
        session.get(ModuleProgress, (actor.employee_id, key))
        if actor.employee_id is not None
        else None
    )
    return ModuleView(
        key=key,
        version=row.version,
        pillar=Pillar(row.pillar),
        minutes=row.minutes,
        pass_mark=row.pass_mark,
        language=lang,
        fell_back=fell_back,
        text=ModuleText.from_json(row.content[lang]),
        progress=_progress(mine),
    )


def _my_progress(session: Session, actor: Actor, key: str) -> ModuleProgress:
    if actor.employee_id is None:
        raise NotAllowed(_("Only people in the directory can take modules."))
    row = _latest_published(session, key)
    if row is None:
        raise NotFound(_("This module is not published."))
    mine = session.get(ModuleProgress, (actor.employee_id, key))
    if mine is None:
        mine = ModuleProgress(employee_id=actor.employee_id, module_key=key, version=row.version)
    return mine


def save_step(*, session: Session, actor: Actor, key: str, step: int) -> int:
    """Remember the step a person reached; reaching the check means the reading is complete."""
    require_role(actor, Role.EMPLOYEE)
    mine = _my_progress(session, actor, key)
    mine.step = max(0, min(step, len(STEPS)))
    if mine.step >= len(STEPS) and mine.completed_at is None:
        mine.completed_at = utcnow()
    session.add(mine)
    session.flush()
    return mine.step


@dataclass(frozen=True)
class Feedback:
    question: str
    chosen: str | None
    right: bool
    correct: str
    explanation: str  # of the option chosen (or of the correct one when none was chosen)


@dataclass(frozen=True)
class CheckResult:
    score: int
    passed: bool
    pass_mark: int
    attempts: int
    feedback: list[Feedback]


def submit_check(
    *, session: Session, actor: Actor, key: str, chosen: list[int | None]
) -> CheckResult:
    """Grade a comprehension check: counts the attempt, records a pass, explains each answer."""
    require_role(actor, Role.EMPLOYEE)
    view = read_module(session=session, actor=actor, key=key)
    quiz = view.text.quiz
    if len(chosen) != len(quiz) or any(c is None for c in chosen):
        raise InvalidInput(_("Answer every question before checking."))
    if any(not 0 <= (c or 0) < len(q.options) for q, c in zip(quiz, chosen, strict=True)):
        raise InvalidInput(_("One of the answers is not an option of its question."))
    mine = _my_progress(session, actor, key)
    result = score(quiz, chosen)
    passed = result >= view.pass_mark
    mine.attempts += 1
    mine.last_score = result
    mine.version = view.version
    if mine.completed_at is None:
        mine.completed_at = utcnow()
    mine.step = len(STEPS)
    if passed and mine.passed_at is None:
        mine.passed_at = utcnow()
    session.add(mine)
    session.flush()
    feedback = []
    for q, c in zip(quiz, chosen, strict=True):
        option = q.options[c] if c is not None and 0 <= c < len(q.options) else None
        correct = q.options[q.correct_index]
        feedback.append(
            Feedback(
                question=q.question,
                chosen=option.text if option else None,
                right=c == q.correct_index,
                correct=correct.text,
                explanation=(option or correct).explanation,
            )
        )
    return CheckResult(result, passed, view.pass_mark, mine.attempts, feedback)


def passed_all(session: Session, employee_id: int, keys: list[str]) -> bool:
    """Whether a person passed the check of every module in a list."""
    if not keys:
        return True
    passed = session.exec(
        select(func.count())
        .select_from(ModuleProgress)
        .where(
            ModuleProgress.employee_id == employee_id,
            col(ModuleProgress.module_key).in_(keys),
            col(ModuleProgress.passed_at).is_not(None),
        )
    ).one()
    return int(passed) == len(set(keys))


def missing_translations(*, session: Session, actor: Actor) -> list[tuple[str, str, list[str]]]:
    """(module, title, languages missing) for the newest version of every module: for HR."""
    return [
        (m.key, m.title, m.missing) for m in list_modules(session=session, actor=actor) if m.missing
    ]
