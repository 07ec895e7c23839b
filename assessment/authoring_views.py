"""The rubric authoring pages: a firm's rubrics, the draft editor, its preview, diff and publishing.

Thin HTTP glue over assessment/authoring.py. Only the firm's members (admins and consultants) reach
these pages; anyone else gets 404, as for anything outside their firms. Every change is a POST
with its CSRF token. The editor's structured form names each field by its place in the document
(`dimensions[0].criteria[2].text`), so a located message of the validation lands beside its field.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import authoring
from assessment.models import Assessment, Rubric, RubricDraft, RubricVersion
from assessment.rubric import HORIZONS, RubricInvalid, dump_rubric_yaml
from organisations.errors import DomainError
from organisations.models import Firm
from organisations.permissions import MAX_ID

LOCATION = re.compile(r"^(?P<path>[A-Za-z0-9_\[\].-]+?): (?P<message>.*)$", re.S)


def _firm(request: HttpRequest) -> Firm:
    """The firm the page is for: the one asked for (`?firm=`), else the caller's first (404 for none)."""
    firms = Firm.objects.visible_to(request.user).order_by("name", "pk")
    wanted = request.GET.get("firm") or request.POST.get("firm")
    firm = firms.filter(pk=_id(wanted)).first() if wanted else firms.first()
    if firm is None:
        raise Http404("There is no such firm in your firms.")
    return firm


def _id(text: str) -> int:
    """A posted or asked-for id, 0 for anything that cannot be one (too long for the database too)."""
    return int(text) if re.fullmatch(r"[0-9]{1,19}", text) and 0 < int(text) <= MAX_ID else 0


def _draft(request: HttpRequest, draft_id: int) -> RubricDraft:
    if not 0 < draft_id <= MAX_ID:
        raise Http404("There is no such draft in your firms.")
    return get_object_or_404(
        RubricDraft.objects.visible_to(request.user).select_related("firm", "source__rubric", "family"), pk=draft_id
    )


# --- the rubrics page ----------------------------------------------------------------------


@login_required
@require_GET
def rubrics_page(request: HttpRequest) -> HttpResponse:
    """The built-in rubrics and the firm's own, each with its versions, and the firm's open drafts."""
    firm = _firm(request)
    used = Assessment.objects.filter(rubric_version=OuterRef("pk"))
    versions = RubricVersion.objects.annotate(frozen=Exists(used)).order_by("-version")
    families = (
        Rubric.objects.usable_by(firm).prefetch_related(Prefetch("versions", queryset=versions)).order_by("firm", "key")
    )
    return render(
        request,
        "assessment/authoring/rubrics.html",
        {
            "firm": firm,
            "firms": Firm.objects.visible_to(request.user).order_by("name", "pk"),
            "built_in": [f for f in families if f.firm_id is None],
            "own": [f for f in families if f.firm_id == firm.pk],
            "drafts": RubricDraft.objects.filter(firm=firm).select_related("source__rubric"),
            "nav_portfolio": True,
        },
    )


@login_required
@require_POST
def draft_start(request: HttpRequest) -> HttpResponse:
    """Copy a version into a new draft of the firm's, and open it in the editor."""
    firm = _firm(request)
    source = request.POST.get("source", "")
    try:
        draft = authoring.start_draft(firm=firm, source=_id(source), created_by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{_rubrics_url(firm)}")
    messages.success(request, "A new draft: edit it, preview it, then publish it as the next version.")
    return redirect("assessment:rubric-draft", draft_id=draft.pk)


def _rubrics_url(firm: Firm) -> str:
    from django.urls import reverse

    return f"{reverse('assessment:rubrics')}?firm={firm.pk}"


# --- the editor ----------------------------------------------------------------------------------


def _located(errors: list[str]) -> dict[str, list[str]]:
    """Messages by the place in the document they name ('document' for those that name none)."""
    out: dict[str, list[str]] = {}
    for error in errors:
        match = LOCATION.match(error)
        path, message = (match["path"], match["message"]) if match else ("document", error)
        out.setdefault(path, []).append(message)
    return out


def _at(errors: dict[str, list[str]], path: str) -> list[str]:
    """The messages about this place, and about what is inside it not shown as a field of its own."""
    return [m for p, ms in errors.items() if p == path or p.startswith(f"{path}[") for m in ms]


def _editor_context(
    draft: RubricDraft,
    document: dict[str, Any],
    errors: list[str],
    *,
    shown_dimension: int = 0,
    yaml_text: str | None = None,
) -> dict[str, Any]:
    """The form shows the rubric's own fields and one dimension (a whole rubric would be thousands of
    fields); the dimension with the first problem, when there are problems."""
    located = _located(errors)
    all_dimensions = [d for d in document.get("dimensions") or [] if isinstance(d, dict)]
    for path in located:
        match = re.match(r"dimensions\[(\d+)\]", path)
        if match and int(match[1]) < len(all_dimensions):
            shown_dimension = int(match[1])
            break
    shown_dimension = min(max(shown_dimension, 0), max(len(all_dimensions) - 1, 0))
    scale = [level for level in document.get("scale") or [] if isinstance(level, dict)]
    groups = [g for g in document.get("respondent_groups") or [] if isinstance(g, dict)]
    answer_sets = [a.get("key") for a in document.get("answer_sets") or [] if isinstance(a, dict)]
    shown: set[str] = set()

    def field(path: str, value: Any) -> dict[str, Any]:
        shown.add(path)
        return {"name": path, "value": value, "errors": _at(located, path)}

    def criterion(c: dict[str, Any], path: str) -> dict[str, Any]:
        shown.add(path)
        return {
            "path": path,
            "key": field(f"{path}.key", c.get("key", "")),
            "text": field(f"{path}.text", c.get("text", "")),
            "description": field(f"{path}.description", c.get("description", "")),
            "source": field(f"{path}.source", c.get("source", "")),
            "weight": field(f"{path}.weight", c.get("weight", 1)),
            "answer_set": field(f"{path}.answer_set", c.get("answer_set", "")),
            "audience": field(f"{path}.audience", list(c.get("audience") or [])),
            "anchors": field(f"{path}.anchors", "\n".join(str(a) for a in c.get("anchors") or [])),
            "replaces": field(f"{path}.replaces", ", ".join(str(k) for k in c.get("replaces") or [])),
        }

    def node(n: dict[str, Any], path: str, top: bool) -> dict[str, Any]:
        shown.add(path)
        levels = n.get("levels") if isinstance(n.get("levels"), dict) else {}
        out = {
            "path": path,
            "top": top,
            "key": field(f"{path}.key", n.get("key", "")),
            "name": field(f"{path}.name", n.get("name", "")),
            "description": field(f"{path}.description", n.get("description", "")),
            "weight": field(f"{path}.weight", n.get("weight", 1)),
            "replaces": field(f"{path}.replaces", ", ".join(str(k) for k in n.get("replaces") or [])),
            "levels": [
                {**field(f"{path}.levels.{lv.get('value')}", levels.get(lv.get("value"), "")), "level": lv}
                for lv in scale
            ]
            if top
            else [],
            "groups": [node(g, f"{path}.groups[{i}]", False) for i, g in enumerate(n.get("groups") or [])],
            "criteria": [criterion(c, f"{path}.criteria[{i}]") for i, c in enumerate(n.get("criteria") or [])],
            "recommendations": [
                {
                    "path": f"{path}.recommendations[{i}]",
                    **{
                        name: field(f"{path}.recommendations[{i}].{name}", r.get(name, ""))
                        for name in ("key", *(f for f in authoring.RECOMMENDATION_FIELDS if f != "depends_on"))
                    },
                    "depends_on": field(
                        f"{path}.recommendations[{i}].depends_on", ", ".join(r.get("depends_on") or [])
                    ),
                }
                for i, r in enumerate(n.get("recommendations") or [])
            ]
            if top
            else [],
        }
        out["errors"] = [m for p, ms in located.items() if p == path for m in ms]
        return out

    dimensions = [node(d, f"dimensions[{i}]", True) for i, d in enumerate(all_dimensions) if i == shown_dimension]
    tabs = [(i, str(d.get("name", "")) or f"Dimension {i + 1}") for i, d in enumerate(all_dimensions)]
    rubric_fields = {
        "name": field("name", document.get("name", "")),
        "description": field("description", document.get("description", "")),
    }
    elsewhere = [
        f"{p}: {m}"
        for p, ms in located.items()
        if not any(p == s or p.startswith(f"{s}.") or p.startswith(f"{s}[") for s in shown)
        for m in ms
    ]
    if yaml_text is None:
        try:
            yaml_text = dump_rubric_yaml(authoring.read_document(document))
        except RubricInvalid:
            yaml_text = json.dumps(document, indent=2, ensure_ascii=False)
    return {
        "draft": draft,
        "follows": authoring.follows(draft),
        "rubric": rubric_fields,
        "dimensions": dimensions,
        "tabs": tabs,
        "shown_dimension": shown_dimension,
        "scale": scale,
        "groups": groups,
        "answer_sets": answer_sets,
        "horizons": HORIZONS,
        "errors": errors,
        "elsewhere": elsewhere,
        "base": json.dumps(document, ensure_ascii=False),
        "yaml": yaml_text,
        "nav_portfolio": True,
    }


@login_required
@require_http_methods(["GET", "POST"])
def draft_editor(request: HttpRequest, draft_id: int) -> HttpResponse:
    """GET: the draft in the structured form and as YAML. POST: save the form (with an action: add,
    remove or move an item) or the YAML; a document with problems is shown again with each problem
    beside its field, and nothing is saved."""
    draft = _draft(request, draft_id)
    wanted = request.GET.get("dimension") or request.POST.get("dimension") or "0"
    shown = int(wanted) if re.fullmatch(r"[0-9]{1,3}", wanted) else 0
    if request.method == "GET":
        context = _editor_context(draft, authoring.normalise(draft.document), [], shown_dimension=shown)
        return render(request, "assessment/authoring/editor.html", context)
    action = request.POST.get("action", "save")
    if action == "save-yaml":
        text = request.POST.get("yaml", "")
        try:
            authoring.edit_draft(draft, text)
        except RubricInvalid as exc:
            context = _editor_context(
                draft, authoring.normalise(draft.document), exc.errors, shown_dimension=shown, yaml_text=text
            )
            context["yaml_errors"] = exc.errors
            return render(request, "assessment/authoring/editor.html", context, status=422)
        messages.success(request, "The draft was saved.")
        return redirect("assessment:rubric-draft", draft_id=draft.pk)
    document = _base(request, draft)
    _apply_fields(document, request.POST)
    _apply_action(document, action)
    try:
        authoring.edit_draft(draft, document)
    except RubricInvalid as exc:
        context = _editor_context(draft, document, exc.errors, shown_dimension=shown)
        return render(request, "assessment/authoring/editor.html", context, status=422)
    messages.success(request, "The draft was saved.")
    shown = _dimension_after(action, shown, len(document.get("dimensions") or []))
    return redirect(f"{request.path}?dimension={shown}{_anchor_of(action)}")


def _dimension_after(action: str, shown: int, count: int) -> int:
    """The dimension to show after an action: the one added, or the one that moved, where it went."""
    verb, _, path = action.partition(":")
    if verb == "add-dimension":
        return max(count - 1, 0)
    match = re.fullmatch(r"dimensions\[(\d+)\]", path)
    if match:
        index = int(match[1])
        moved = {"up": index - 1, "down": index + 1, "remove": index - 1}.get(verb, index)
        return min(max(moved, 0), max(count - 1, 0))
    return shown


def _anchor_of(action: str) -> str:
    _, _, path = action.partition(":")
    return f"#{_dom_id(path)}" if path else ""


def _dom_id(path: str) -> str:
    return "at-" + slugify(path)


def _base(request: HttpRequest, draft: RubricDraft) -> dict[str, Any]:
    """The document the form was made from (it may hold unsaved changes shown with their problems)."""
    try:
        base = json.loads(request.POST.get("base", ""))
    except ValueError:
        base = None
    if not isinstance(base, dict):
        base = draft.document
    return authoring.normalise(base)


def _walk(document: Any, path: str) -> tuple[Any, Any] | None:
    """(container, last step) of a path such as dimensions[0].criteria[2].text, if its container exists."""
    steps: list[Any] = []
    for part in re.finditer(r"([A-Za-z_]+|-?\d+(?=$|\.))|\[(\d+)\]", path):
        if part.group(2) is not None:
            steps.append(int(part.group(2)))
        else:
            token = part.group(1)
            steps.append(int(token) if token.lstrip("-").isdigit() else token)
    if not steps:
        return None
    here = document
    for step in steps[:-1]:
        in_list = isinstance(step, int) and isinstance(here, list) and 0 <= step < len(here)
        if in_list or (isinstance(here, dict) and step in here):
            here = here[step]
        else:
            return None
    return here, steps[-1]


TEXT_FIELDS = {"key", "text", "name", "description", "source", "answer_set", "title", "owner_role", "horizon"}
OPTIONAL = {"description", "source", "replaces", "anchors", "audience", "depends_on"}
NUMBERS = {"weight"}
INTEGERS = {"from_level", "effort", "impact"}


def _apply_fields(document: dict[str, Any], posted: Any) -> None:
    """Set each posted field at its place in the document; an empty optional field is left out, and a
    number that is not one is kept as typed for the validation to locate."""
    for name in posted:
        if "." not in name and name not in ("name", "description"):
            continue  # the token, the action, the base document, the list of criteria
        found = _walk(document, name)
        if found is None:
            continue
        container, last = found
        if isinstance(container, dict) and name.rsplit(".", 2)[-2:-1] == ["levels"]:
            container[last] = posted.get(name, "").strip()
            continue
        if not isinstance(container, dict) or not isinstance(last, str):
            continue
        value: Any = posted.get(name, "")
        if last == "audience":
            continue  # below: checkboxes post nothing when none is ticked
        if last == "anchors":
            value = [line.strip() for line in value.splitlines() if line.strip()]
        elif last in ("replaces", "depends_on"):
            value = [k.strip() for k in value.split(",") if k.strip()]
        elif last in NUMBERS:
            value = _number(value, float)
        elif last in INTEGERS:
            value = _number(value, int)
        else:
            value = value.strip()
        if last in OPTIONAL and value in ("", []):
            container.pop(last, None)
        else:
            container[last] = value
    for path in posted.getlist("criteria"):
        found = _walk(document, f"{path}.audience")
        if found is None or not isinstance(found[0], dict):
            continue
        audience = posted.getlist(f"{path}.audience")
        if audience:
            found[0]["audience"] = audience
        else:
            found[0].pop("audience", None)


def _number(value: str, kind: type) -> Any:
    try:
        number = kind(value.strip())
    except ValueError:
        return value.strip()
    return int(number) if kind is float and float(number).is_integer() else number


def _new_key(document: dict[str, Any], stem: str) -> str:
    taken = set(re.findall(r"'key': '([^']*)'", repr(document)))
    n = 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def _apply_action(document: dict[str, Any], action: str) -> None:
    """Add, remove or move a dimension, criterion or recommendation ('add-criterion:dimensions[0]')."""
    verb, _, path = action.partition(":")
    if verb == "add-dimension":
        scale = [lv.get("value") for lv in document.get("scale") or [] if isinstance(lv, dict)]
        document.setdefault("dimensions", []).append(
            {
                "key": _new_key(document, "new-dimension"),
                "name": "New dimension",
                "weight": 1,
                "levels": {v: f"What level {v} looks like." for v in scale},
                "criteria": [_new_criterion(document)],
            }
        )
        return
    if verb in ("add-criterion", "add-recommendation"):
        found = _walk(document, f"{path}.key")
        if found is None or not isinstance(found[0], dict):
            return
        if verb == "add-criterion":
            found[0].setdefault("criteria", []).append(_new_criterion(document))
        else:
            levels = sorted(lv.get("value") for lv in document.get("scale") or [] if isinstance(lv, dict))
            found[0].setdefault("recommendations", []).append(
                {
                    "key": _new_key(document, "new-recommendation"),
                    "from_level": levels[0] if levels else 1,
                    "title": "New recommendation",
                    "description": "What to do, concretely.",
                    "effort": 1,
                    "impact": 1,
                    "owner_role": "Head of sales",
                    "horizon": HORIZONS[0],
                }
            )
        return
    if verb in ("remove", "up", "down"):
        found = _walk(document, path)
        if found is None:
            return
        container, index = found
        if not isinstance(index, int):
            return
        items = container if isinstance(container, list) else None
        if items is None or not 0 <= index < len(items):
            return
        if verb == "remove":
            del items[index]
        elif verb == "up" and index > 0:
            items[index - 1], items[index] = items[index], items[index - 1]
        elif verb == "down" and index < len(items) - 1:
            items[index + 1], items[index] = items[index], items[index + 1]


def _new_criterion(document: dict[str, Any]) -> dict[str, Any]:
    scored = [
        a.get("key")
        for a in document.get("answer_sets") or []
        if isinstance(a, dict) and a.get("kind", "scored") == "scored"
    ]
    return {
        "key": _new_key(document, "new-question"),
        "text": "New question",
        "weight": 1,
        "answer_set": scored[0] if scored else "",
    }


# --- preview, diff, publish, delete --------------------------------------------------------------


@login_required
@require_GET
def draft_preview(request: HttpRequest, draft_id: int) -> HttpResponse:
    """The draft as a respondent of the chosen group would see it, in the survey's look."""
    draft = _draft(request, draft_id)
    rubric = authoring.draft_rubric(draft)
    groups = list(rubric.respondent_groups)
    group = request.GET.get("group") or (groups[0].key if groups else "")
    try:
        shown = authoring.preview(draft, group)
    except DomainError as exc:
        messages.error(request, exc.message)
        shown = authoring.preview(draft, groups[0].key if groups else None)
    return render(
        request,
        "assessment/authoring/preview.html",
        {"draft": draft, "preview": shown, "groups": groups, "nav_portfolio": True},
    )


@login_required
@require_GET
def draft_diff(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _draft(request, draft_id)
    changes = authoring.diff(draft)
    return render(
        request,
        "assessment/authoring/diff.html",
        {"draft": draft, "diff": changes, "nav_portfolio": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_publish(request: HttpRequest, draft_id: int) -> HttpResponse:
    """GET: what publishing will do, to confirm. POST: publish, and go back to the rubrics."""
    draft = _draft(request, draft_id)
    if request.method == "POST":
        firm = draft.firm
        try:
            version = authoring.publish(draft, published_by=request.user)
        except RubricInvalid as exc:
            messages.error(request, "The draft has problems; nothing was published: " + "; ".join(exc.errors[:5]))
            return redirect("assessment:rubric-draft", draft_id=draft.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("assessment:rubric-draft-publish", draft_id=draft.pk)
        messages.success(request, f"Published {version.name} as version {version.version} of {version.rubric.key}.")
        return redirect(_rubrics_url(firm))
    return render(
        request,
        "assessment/authoring/publish.html",
        {"draft": draft, "diff": authoring.diff(draft), "follows": authoring.follows(draft), "nav_portfolio": True},
    )


@login_required
@require_POST
def draft_delete(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _draft(request, draft_id)
    firm = draft.firm
    authoring.delete_draft(draft)
    messages.success(request, "The draft was deleted.")
    return redirect(_rubrics_url(firm))
