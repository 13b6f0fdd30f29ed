"""Upper bound: a hand-written loader for CourseSchema, as codegen would emit."""
import random, time, math
from bench.bench_schemas import GENERATORS, NIK_KEY
from schemas._fastpath import compile_loader, Reject
from schemas import entities as E
from schemas._context import CURRENT, LoadContext, current_zone_name
from schemas._rules import check_rules
from marshmallow.constants import missing
from marshmallow import ValidationError
rng = random.Random(1)
recs = [GENERATORS["course"](rng, i) for i in range(1000)]
CURRENT.set(LoadContext("Asia/Jakarta", NIK_KEY))
s = E.CourseSchema()
closures = compile_loader(s)
F = s.fields; SF = F["schedules"].inner.schema.fields
ident = F["external_id"].validators[1].compiled.fullmatch
kbji = F["occupation_codes"].inner.validators[0].compiled.fullmatch
url = F["url"].validators[0]
lang = F["language"].parse; price = F["price_idr"].parse
start = SF["starts_at"].parse; end = SF["ends_at"].parse; tzp = SF["timezone"].parse
known = frozenset(F); sknown = frozenset(SF)
srules = E.ScheduleSchema.rules; crules = E.CourseSchema.rules
MODES = frozenset(E.DELIVERY_MODES); ST = frozenset(E.COURSE_STATUSES)
def sched(d):
    if type(d) is not dict or not sknown.issuperset(d): raise Reject
    out = {}
    v = d.get("schedule_code", missing)
    if type(v) is not str or not 1 <= len(v) <= 64 or ident(v) is None: raise Reject
    out["schedule_code"] = v
    v = d.get("starts_at", missing)
    if v is missing or v is None: raise Reject
    try: out["starts_at"] = start(v, d)
    except ValidationError: raise Reject
    v = d.get("ends_at", missing)
    if v is missing or v is None: raise Reject
    try: out["ends_at"] = end(v, d)
    except ValidationError: raise Reject
    v = d.get("timezone", missing)
    if v is missing: v = current_zone_name()
    else:
        try: v = tzp(v, d)
        except ValidationError: raise Reject
    out["timezone"] = v
    v = d.get("location", missing)
    if v is missing or v is None: v = None
    elif type(v) is str:
        v = v.strip()
        if not v: v = None
        elif len(v) > 255: raise Reject
    else: raise Reject
    out["location"] = v
    v = d.get("quota", missing)
    if v is missing or v is None: v = None
    elif type(v) is int:
        if not 1 <= v <= 100000: raise Reject
    else: raise Reject
    out["quota"] = v
    if check_rules(srules, out): raise Reject
    return out
def text(v, mx, opt):
    if type(v) is str:
        t = v.strip()
        if t and len(t) <= mx: return t
    raise Reject
def course(d):
    if type(d) is not dict or not known.issuperset(d): raise Reject
    out = {}
    v = d.get("external_id", missing)
    if type(v) is not str or not 1 <= len(v) <= 128 or ident(v) is None: raise Reject
    out["external_id"] = v
    out["title"] = text(d.get("title", missing), 255, False)
    out["description"] = text(d.get("description", missing), 20000, True)
    out["category"] = text(d.get("category", missing), 100, True)
    v = d.get("language", missing)
    try: out["language"] = "id" if v is missing else lang(v, d)
    except ValidationError: raise Reject
    v = d.get("delivery_mode", missing)
    if type(v) is not str or v not in MODES: raise Reject
    out["delivery_mode"] = v
    v = d.get("duration_hours", missing)
    if type(v) is float: pass
    elif type(v) is int: v = float(v)
    else: raise Reject
    if not 0 < v <= 10000: raise Reject
    out["duration_hours"] = v
    v = d.get("price_idr", missing)
    try: out["price_idr"] = price(v, d)
    except ValidationError: raise Reject
    v = d.get("occupation_codes", missing)
    if type(v) is not list: raise Reject
    for x in v:
        if type(x) is not str or kbji(x) is None: raise Reject
    out["occupation_codes"] = list(v)
    v = d.get("kkni_level", missing)
    if v is None: pass
    elif type(v) is int:
        if not 1 <= v <= 9: raise Reject
    else: raise Reject
    out["kkni_level"] = v
    v = d.get("skills", missing)
    out["skills"] = [text(x, 100, False) for x in v]
    v = d.get("status", missing)
    out["status"] = "active" if v is missing else v
    v = d.get("url", missing)
    url(v); out["url"] = v
    v = d.get("schedules", missing)
    out["schedules"] = [sched(x) for x in v]
    if check_rules(crules, out): raise Reject
    return out
assert all(course(r) == closures(r) for r in recs)
def rate(fn):
    best = 1e9
    for _ in range(5):
        t = time.perf_counter()
        for r in recs: fn(r)
        best = min(best, (time.perf_counter()-t)/len(recs)*1e6)
    return best
for _ in range(3):
    print(f"closures {rate(closures):.1f}us  handwritten {rate(course):.1f}us  marshmallow {rate(s.load):.1f}us")
