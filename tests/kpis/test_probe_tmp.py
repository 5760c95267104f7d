import json
from django.db import connection
from kpis.rollups.tables import Span
from kpis.queries import TARGET_TOUCHES, decayed_weight_sql
from sampledata.seeding import seed_workspace
from tests.clock import SEEDED_NOW
from tests.kpis.test_unanalysed_plans import _forget_statistics

def test_probe(workspace):
    seed_workspace(workspace=workspace, scale="demo", seed=4, until=SEEDED_NOW)
    _forget_statistics()
    decayed, p = decayed_weight_sql({}, 20000.0, 30.0)
    p.update(Span().params(workspace.pk))
    sql = f"SELECT %(ws)s, t.occurred_on, a.id, COUNT(*), SUM({decayed}) {TARGET_TOUCHES} GROUP BY t.occurred_on, a.id"
    with connection.cursor() as c:
        c.execute("EXPLAIN " + sql, p)
        print("\n".join(r[0] for r in c.fetchall()))
