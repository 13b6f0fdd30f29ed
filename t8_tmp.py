import timeit, datetime as dt, random
from zoneinfo import ZoneInfo
from schemas.entities import ScheduleSchema
from schemas._context import ZONE_INFO
s = ScheduleSchema(); f = s.fields["starts_at"]
d = {"timezone": "Asia/Makassar"}
for v in ["2024-06-03T02:00:00Z", "2024-06-03T09:00:00+07:00", "2024-06-03 09:00:00"]:
    print(v, f.parse(v, d), round(min(timeit.repeat(lambda: f.parse(v, d), number=20000, repeat=9))/20000*1e6, 2))
# equivalence with the straightforward computation
rng = random.Random(5)
for i in range(200000):
    y = rng.randrange(1969, 2101); mo = rng.randrange(1, 13); da = rng.randrange(1, 29)
    h, mi, se = rng.randrange(24), rng.randrange(60), rng.randrange(60)
    us = rng.choice([0, 0, rng.randrange(1000000)])
    kind = rng.randrange(4)
    if kind == 0: tz = None
    elif kind == 1: tz = dt.timezone(dt.timedelta(minutes=rng.randrange(-14*60, 14*60+1)))
    elif kind == 2: tz = dt.timezone(dt.timedelta(seconds=rng.randrange(-50000, 50000), microseconds=rng.choice([0, 7])))
    else: tz = rng.choice([dt.UTC, ZoneInfo("Europe/London"), ZoneInfo("Asia/Jakarta")])
    m = dt.datetime(y, mo, da, h, mi, se, us, tzinfo=tz)
    zone = rng.choice(list(ZONE_INFO))
    ref_m = m if m.utcoffset() is not None else m.replace(tzinfo=ZONE_INFO[zone])
    u = ref_m.astimezone(dt.UTC)
    ok = dt.datetime(1970,1,1,tzinfo=dt.UTC) <= u < dt.datetime(2100,1,1,tzinfo=dt.UTC)
    try: got = f.parse(m, {"timezone": zone})
    except Exception: got = None
    exp = u.isoformat() if ok else None
    assert got == exp, (m, zone, got, exp)
    # and as an ISO string
    m2 = dt.datetime.fromisoformat(m.isoformat())
    r2 = m2 if m2.utcoffset() is not None else m2.replace(tzinfo=ZONE_INFO[zone])
    u2 = r2.astimezone(dt.UTC)
    ok2 = dt.datetime(1970,1,1,tzinfo=dt.UTC) <= u2 < dt.datetime(2100,1,1,tzinfo=dt.UTC)
    exp2 = u2.isoformat() if ok2 else None
    try: got2 = f.parse(m.isoformat(), {"timezone": zone})
    except Exception: got2 = None
    assert got2 == exp2, (m.isoformat(), zone, got2, exp2)
print("equivalent")
