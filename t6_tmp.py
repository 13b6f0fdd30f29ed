import random, cProfile, pstats, sys
from bench.bench_schemas import GENERATORS, NIK_KEY
from schemas import Normalizer
entity = sys.argv[1]
rng = random.Random(1)
recs = [GENERATORS[entity](rng, i) for i in range(2000)]
n = Normalizer(entity, nik_key=NIK_KEY)
cProfile.run("for r in recs: n(r)", "/tmp/p3")
pstats.Stats("/tmp/p3").sort_stats("tottime").print_stats(22)
