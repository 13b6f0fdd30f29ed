import random, time, sys
from bench.bench_schemas import GENERATORS, NIK_KEY
from schemas._fastpath import compile_loader
from schemas import entities as E
from schemas._context import CURRENT, LoadContext
import schemas.fields as F
from marshmallow import validate
import schemas._rules as R
rng = random.Random(1)
recs = [GENERATORS["course"](rng, i) for i in range(1000)]
CURRENT.set(LoadContext("Asia/Jakarta", NIK_KEY))
def rate(fn):
    best = 1e9
    for _ in range(9):
        t = time.perf_counter()
        for r in recs: fn(r)
        best = min(best, (time.perf_counter()-t)/len(recs)*1e6)
    return best
def run(label):
    s = E.CourseSchema()
    print(f"{label:12s} fast {rate(compile_loader(s)):6.1f} us   mm {rate(s.load):6.1f} us")
run("real")
E.ScheduleSchema.rules = (); E.CourseSchema.rules = (); run("-rules")
F.AwareDateTime.parse = lambda self, v, d: "2024-01-01T00:00:00+00:00"; run("-datetime")
validate.URL.__call__ = lambda self, v: v; run("-url")
for c in (F.Text, F.LanguageTag, F.Rupiah, F.Timezone): c.parse = lambda self, v, d: v
run("-parsed")
