import schemas._fastpath as fp
orig = fp._Source.compile
def show(self, function, title):
    if "Course" in title or "Schedule" in title: print("\n".join(self.lines)); print("-----")
    return orig(self, function, title)
fp._Source.compile = show
from schemas.entities import CourseSchema
fp.compile_loader(CourseSchema())
