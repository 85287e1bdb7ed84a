"""The demo data set `make run` loads: a developer, projects with buildings and units, demo accounts.

Built through the apps' services where they exist, so demo data obeys the same rules as real data.
Each app contributes small `build_*` steps (see `builder.STEPS`); later issues add theirs there.
"""

from shuchang.demo.builder import STEPS, DemoContext, build_demo, demo_present
from shuchang.demo.people import BUYERS, DEMO_PASSWORD, STAFF, staff_table

__all__ = ["BUYERS", "DEMO_PASSWORD", "STAFF", "STEPS", "DemoContext", "build_demo", "demo_present", "staff_table"]
