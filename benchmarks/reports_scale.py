"""Every registered report at 500, 5,000 and 20,000 assistants, beside a bare writer of the same table.

    .venv/bin/python benchmarks/reports_scale.py [--sizes 500,5000,20000] [--keep DIR] [--only NAME,...]
        [--database postgresql://postgres@127.0.0.1:5432/test]

For each size, a demo city (``xinyi demo --assistants N --villages 0.6N``, or ``--villages-per``, kept in ``--keep DIR`` and
reused when it is already there: building 20,000 takes minutes), then for every report in the
registry — the core's and every installed plugin's, so a new plugin's report is covered without new
code — ``xinyi report NAME --operator admin`` in a child process (the default period; a report that
cannot run for the whole city gets ``--town`` of the largest town), its wall time and peak RSS
(``wait4``). Beside it, in the same run, a bare writer of the same rows and columns in a child
process: plain ``sqlite3`` reading that many rows of that many columns, ``openpyxl`` in write-only
mode split over as many workbooks as the report wrote (a by-town city run writes every town's file and
the city's; each workbook has a fixed cost a bare script writing the same files pays too), each with as
many bar charts as the report's workbook draws (attendance.monthly: two in each town's file) and, when the report writes Word, a ``python-docx`` table of the same size written the linear way
(a template row copied, as ``export.docx_table`` does; the table's size read back from the report's
sheets), split over as many Word documents as the report wrote (the city-wide roster: one per town —
each document has a fixed cost, ~15 ms to open python-docx's template and save it, that a bare
script writing the same files pays too). leave.stubs writes forms, not a table, so its bare writer writes forms: the same
register rows, then for each of the report's .docx files a document with as many stub forms as that
file has (a title paragraph, a 7×7 form with the stub's merged cells and a note each, a page break every
second; one form built through python-docx, every other a deepcopy of its XML with its texts set;
each document collected once saved).

Prints one table. For each report and size, in the process the city's and the clerks' reports run in — the
worker, started once, and the terminal app (issue 21's "near the bare writer"): the report's CPU seconds
(``time.process_time``) beside the bare writer's same work in an already-started process. Both run in one
child: each once (imports, caches), then in turns — report, bare writer, report … — until 1 s or 200 pairs
(at least three; after each run the cyclic collector is run, untimed, so that what one run left behind is
not collected during the other's); the ratio flagged is the median of each pair's ratio, the best run of each is printed
beside it. This machine is a virtual one whose cores are shared: the same 6 ms report took 6 to 13 ms from
one second to the next, so two children measured one after the other (the method until 2026-12-06 20:00)
put the ratio anywhere from 0.94× to 2.08× for the same code; runs taken in turns see the same machine
(three benchmarks of the same code: 1.30×, 1.34×, 1.31×). Then the same in a new process — ``xinyi report`` from a shell, the
administrator's command line — wall and CPU seconds (user + system, from ``wait4``: steadier than wall
time on a shared machine) of the whole process, its start included, and the peak RSS of both.
Flags a report whose CPU growth (new process) exceeds 1.2 × N/smallest (linear in its data), whose
started-process CPU is over 1.5 × the bare writer's (the median of the pairs), or whose peak RSS is. Below the table: what starting
a new process costs each (its CPU seconds less its started run's, the median over the reports) — in a new
process a short report is mostly its start, and xinyi's (the ORM, the plugins, the configuration, the
command line) is about twice a bare script's; it is stated, not flagged. ``--no-warm`` measures only new
processes, and then flags their CPU against the bare writer's.

Before measuring, the xinyi packages (``src``, ``plugins``) are byte-compiled (``compileall``), as
``pip install`` of a wheel does at install time: an editable install under ``PYTHONDONTWRITEBYTECODE``
(this machine's environment) would otherwise compile ~90 modules from source in every child
(~0.1 CPU s each run), a cost no installed deployment pays and the bare writer — whose libraries are
compiled — does not either.

The interpreter that runs this script is the one measured (``sys.executable``, for xinyi and the bare writer
alike): ``VENV/bin/python benchmarks/reports_scale.py`` with a venv made by ``pip install .`` measures the
way a town installs it — no editable-install finder and no PostgreSQL driver loaded at every start
(``pip install '.[postgres]'`` for ``--database``).

``--database URL`` (PostgreSQL): the cities are built in schemas ``xinyi_bench_<N>`` of that database
(kept, like ``--keep``'s folders, and reused while the folder's ``built`` file is there) and the bare
writer reads them with ``psycopg2`` instead of ``sqlite3``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
XINYI = [sys.executable, "-m", "xinyi_core.cli"]


CPU: dict[int, float] = {}  # child pid → its CPU seconds (user + system), beside the wall time


def child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run ``cmd``; its wall seconds, peak RSS in MB, exit code and output (its CPU seconds in :data:`CPU`)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    CPU[-1] = usage.ru_utime + usage.ru_stime  # the last child's
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, proc.returncode, out


def pg_url(base: str, n: int) -> str:
    """The URL of the ``n``-assistant city's schema on the PostgreSQL server of ``base``."""
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3Dxinyi_bench_{n}"


def city(folder: Path, n: int, villages_per: float, database: str | None = None) -> dict[str, str]:
    """The environment of a demo city of ``n`` assistants in ``folder`` (built once)."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = folder / "xinyi.toml"
    cfg.write_text(f'[paths]\ndata_dir = "{folder / "data"}"\n', encoding="utf-8")
    env = {**os.environ, "XINYI_CONFIG": str(cfg)}
    if database:
        env["XINYI_DATABASE_URL"] = pg_url(database, n)
    if not (folder / "built").exists():
        if database:
            import psycopg2

            con = psycopg2.connect(database)
            con.autocommit = True
            con.cursor().execute(f"DROP SCHEMA IF EXISTS xinyi_bench_{n} CASCADE; CREATE SCHEMA xinyi_bench_{n}")
            con.close()
        secs, mb, rc, out = child([*XINYI, "demo", "--assistants", str(n), "--villages", str(max(16, round(n * villages_per)))],
                                  env)
        if rc:
            sys.exit(f"demo {n} failed:\n{out}")
        (folder / "built").write_text(f"{secs:.1f}\n", encoding="utf-8")
        print(f"demo {n}: {secs:.1f} s, {mb:.0f} MB", flush=True)
    return env


LIST = """
import json, sys
from xinyi_core import config, lifecycle, org
from xinyi_core.jobs.specs import registry
from xinyi_core.models import Person
import peewee as pw
lifecycle.bootstrap(config.load(None))
town = (Person.select(Person.town, pw.fn.COUNT(Person.id).alias("n")).group_by(Person.town)
        .order_by(pw.SQL("n").desc()).first().town.code)
print(json.dumps({"town": town, "reports": [[s.name, list(s.formats), s.city_wide] for s in registry().reports.values()]}))
"""

BARE = r"""
import sys, time
from openpyxl import Workbook
db, rows, cols, docx_too, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
docx_files = int(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[6].isdigit() else 1  # as many Word files as the report wrote
if db.startswith("postgres"):
    import psycopg2
    class _Con:  # sqlite3's con.execute(sql, args).fetchall() over psycopg2
        def __init__(self, url):
            self.con = psycopg2.connect(url)
        def execute(self, sql, args):
            cur = self.con.cursor()
            cur.execute(sql.replace("?", "%s"), args)
            return cur
    con = _Con(db)
else:
    import sqlite3
    con = sqlite3.connect(db)
names = ["p.name", "p.sex", "p.birth_date", "p.id_number", "p.phone", "v.name", "t.name", "p.status", "p.joined_on",
         "p.id"]
sel = ", ".join(names[k % len(names)] for k in range(cols))
data = []
while len(data) < rows:  # the demo has fewer people than a year's rows of some reports: read again
    got = con.execute(f"SELECT {sel} FROM person p LEFT JOIN org_unit v ON v.id = p.village_id "
                      f"LEFT JOIN org_unit t ON t.id = p.town_id ORDER BY p.town_id, p.village_id, p.id "
                      f"LIMIT ?", (rows - len(data),)).fetchall()
    if not got:
        break
    data += got
# the rows split over as many workbooks as the report wrote (a by-town city run: every town's and the city's):
# each workbook has a fixed cost (openpyxl's parts, styles and zip written) that a bare script writing the
# same files pays too
xlsx_files = int(sys.argv[7]) if len(sys.argv) > 7 else 1
# the charts each of the report's workbooks draws (attendance.monthly: two bar charts in each town's file), drawn
# here too — a bar chart of the sheet's first rows each
charts = [int(x) for x in sys.argv[8].split(",")] if len(sys.argv) > 8 and sys.argv[8] else []
step = -(-len(data) // xlsx_files) if data else 0
for k in range(xlsx_files):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([f"列{k}" for k in range(cols)])
    for r in data[k * step:(k + 1) * step]:
        ws.append(list(r))
    for c in range(charts[k] if k < len(charts) else 0):
        from openpyxl.chart import BarChart, Reference
        chart = BarChart()
        chart.title = f"图{c + 1}"
        chart.add_data(Reference(ws, min_col=cols, min_row=1, max_row=min(step, 20) + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=min(step, 20) + 1))
        ws.add_chart(chart, f"A{step + 3 + 18 * c}")
    wb.save(f"{out}-{k}.xlsx")
if docx_too:
    # the linear way to write a python-docx table, as a careful bare script would: one row written
    # through the API, every row a copy of it with its texts set (table.add_row() walks the table
    # each call: superlinear, which made the bare reference slower than xinyi at 20,000)
    # the report's rows split over as many documents as it wrote (a city roster: one per town)
    from copy import deepcopy
    import docx
    from docx.oxml.ns import qn
    size = -(-len(data) // docx_files) if data else 0
    for k in range(docx_files):
        d = docx.Document()
        table = d.add_table(rows=1, cols=cols)
        for c in table.rows[0].cells:
            c.text = "·"
        template = table.rows[0]._tr
        tbl = template.getparent()
        tbl.remove(template)
        text_tag = qn("w:t")
        for r in data[k * size:(k + 1) * size]:
            tr = deepcopy(template)
            for node, v in zip(tr.iter(text_tag), r):
                node.text = "" if v is None else str(v)
            tbl.append(tr)
        d.save(f"{out}-{k}.docx")
"""

# leave.stubs writes forms, not a table: every town's stub book is a title, a 7×7 form with merged cells and a
# note per slip, a page break every second slip. Its bare writer writes the same: the register's rows and
# columns as above, then, for each of the report's .docx files, a document with as many forms as that file
# has (its w:tbl count) — one form built through python-docx (the stub's merges and row heights), every
# form a deepcopy of its XML with its cells' texts set, the title and note added with add_paragraph().
BARE_FORMS = BARE.split("if docx_too:")[0] + r"""
from copy import deepcopy
import docx
from docx.enum.text import WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
flat = [("" if v is None else str(v)) for r in data for v in r] or ["·"]
k = 0
for f, forms in enumerate(int(x) for x in sys.argv[6].split(",") if x):
    d = docx.Document()
    d.add_paragraph().add_run("请假审批单存根").font.size = Pt(16)
    t = d.add_table(rows=7, cols=7)
    t.style = "Table Grid"
    for r, spans in enumerate([(1, 1, 1, 2, 1, 1), (1,) * 7, (1, 6), (1, 6), (1, 6), (1, 2, 1, 3), (1, 6)]):
        c = 0
        for span in spans:
            cell = t.cell(r, c) if span == 1 else t.cell(r, c).merge(t.cell(r, c + span - 1))
            cell.text = ""
            run = cell.paragraphs[0].add_run("·")
            run.font.size = Pt(10)
            c += span
        t.rows[r].height = Cm(0.9)
    form = t._tbl
    form.getparent().remove(form)
    body = d.element.body
    text_tag = qn("w:t")
    for i in range(forms):
        if i and i % 2 == 0:
            last.add_run().add_break(WD_BREAK.PAGE)
        title = d.add_paragraph()
        title.add_run("《新沂市人社基层平台协理员请假审批单》存根").font.size = Pt(14)
        tbl = deepcopy(form)
        for node in tbl.iter(text_tag):
            node.text = flat[k % len(flat)]
            k += 1
        body.insert(len(body) - 1, tbl)  # before the section properties
        last = d.add_paragraph("此存根由镇（街道）人社中心留存，年底交市就业办")
    d.save(f"{out}-{f}.docx")
    # python-docx's objects hold each other in cycles: without a collection every finished document
    # stays in memory until the cyclic collector runs (234 MB against 90 MB at 5,000)
    del d, t, form, body, tbl
    import gc
    gc.collect()
"""


# The started-process runs: the report and its bare writer in one child, each run once first (imports, caches:
# a started worker has them), then in turns — report, bare writer, report … — until 1 s or 200 pairs (at least
# three), the cyclic collector run after each, untimed. Printed: the best run of each, and the median of each
# pair's ratio.
WARM_PAIR = r"""
import gc, statistics, sys, time
from pathlib import Path
from xinyi_core import config, lifecycle
from xinyi_core.jobs import JobContext, _prepare, registry
from xinyi_core.models import Operator
lifecycle.bootstrap(config.load(None))
from xinyi_core import reports
name, town, out, bare_code, bare_argv = sys.argv[1], sys.argv[2] or None, Path(sys.argv[3]), sys.argv[4], sys.argv[5:]
params, _, _ = _prepare(Operator.get(Operator.username == "admin"), name, {"period": None, "town": town})
spec = registry().reports[name]
code = compile(bare_code, "<bare>", "exec")


def xinyi():
    reports.run(spec, params, JobContext(None), out_dir=out)


def bare():
    sys.argv = ["bare", *bare_argv]
    exec(code, {"__name__": "__bare__"})


def timed(run):
    t0 = time.process_time()
    run()
    spent = time.process_time() - t0
    gc.collect()  # untimed: what one run left for the cyclic collector is not the next one's (the other side's) cost
    return spent


xinyi()
bare()
pairs = []
while len(pairs) < 3 or (sum(a + b for a, b in pairs) < 1.0 and len(pairs) < 200):
    pairs.append((timed(xinyi), timed(bare)))
ratio = statistics.median(a / max(b, 1e-6) for a, b in pairs)
print(f"cpu {min(a for a, _ in pairs):.5f} {min(b for _, b in pairs):.5f} {ratio:.4f} {len(pairs)}")
"""


def warm_pair(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int] | None:
    """What a ``WARM_PAIR`` child printed: the report's best run, the bare writer's, the median of their
    paired runs' ratios, the number of pairs (None if it failed)."""
    _, _, rc, out = child(cmd, env)
    lines = [line for line in out.splitlines() if line.startswith("cpu ")]
    if rc or not lines:
        print(out, flush=True)
        return None
    best, best_bare, ratio, n = lines[-1].split()[1:]
    return float(best), float(best_bare), float(ratio), int(n)


def table_size(paths: list[Path]) -> tuple[int, int]:
    """Rows of all the report's .xlsx sheets together (a city-wide run of a by-town report writes
    every town's file and the city's), and the most columns of any."""
    from openpyxl import load_workbook

    rows = cols = 0
    for p in paths:
        if p.suffix != ".xlsx":
            continue
        wb = load_workbook(p, read_only=True)
        for ws in wb.worksheets:  # counted, not read from the sheet's dimension (a streamed sheet has none)
            for values in ws.iter_rows(values_only=True):
                rows += 1
                cols = max(cols, len(values))
        wb.close()
    return rows, cols


def chart_count(path: Path) -> int:
    """The charts an .xlsx draws."""
    import zipfile

    return sum(1 for name in zipfile.ZipFile(path).namelist()
               if name.startswith("xl/charts/chart") and name.endswith(".xml"))


def form_count(path: Path) -> int:
    """The tables (forms) in a .docx."""
    import zipfile

    return zipfile.ZipFile(path).read("word/document.xml").count(b"<w:tbl>")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500,5000,20000")
    ap.add_argument("--keep", type=Path, default=None, help="folder of the demo cities (kept for the next run)")
    ap.add_argument("--only", default="", help="comma-separated report names")
    ap.add_argument("--villages-per", type=float, default=0.6, help="villages per assistant (demo default 0.6)")
    ap.add_argument("--database", default=None, help="a PostgreSQL URL: build and read the cities there")
    ap.add_argument("--no-warm", action="store_true",
                    help="measure new processes only (and flag their CPU against the bare writer's)")
    args = ap.parse_args()
    # as `pip install` of a wheel does: the children load compiled modules, whatever PYTHONDONTWRITEBYTECODE says
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src"), str(ROOT / "plugins")],
                   check=True, stdout=subprocess.DEVNULL)
    sizes = [int(s) for s in args.sizes.split(",")]
    keep = args.keep or Path(tempfile.mkdtemp(prefix="xinyi-reports-"))
    results: dict[str, dict[int, dict]] = {}
    for n in sizes:
        folder = keep / (f"city-{n}-pg" if args.database else f"city-{n}")
        env = city(folder, n, args.villages_per, args.database)
        secs, _, rc, out = child([sys.executable, "-c", LIST], env)
        if rc:
            sys.exit(out)
        info = json.loads(out.strip().splitlines()[-1])
        db_file = pg_url(args.database, n) if args.database else folder / "data" / "xinyi.db"
        for name, formats, city_wide in info["reports"]:
            if args.only and name not in args.only.split(","):
                continue
            out_dir = folder / "out" / name
            cmd = [*XINYI, "report", name, "--operator", "admin", "--out", str(out_dir)]
            if not city_wide:
                cmd += ["--town", info["town"]]
            secs, mb, rc, out = child(cmd, env)
            cpu = CPU[-1]
            if rc:
                print(f"{name} at {n}: failed\n{out}", flush=True)
                results.setdefault(name, {})[n] = {"failed": True}
                continue
            files = [Path(line.split("：", 1)[-1].strip()) for line in out.splitlines() if str(out_dir) in line]
            files = [p for p in files if p.exists()] or list(out_dir.rglob("*.*"))
            rows, cols = table_size(files)
            docx_files = str(max(1, sum(1 for p in files if p.suffix == ".docx")))
            bare_cmd = [sys.executable, "-c", BARE, str(db_file), str(rows), str(cols),
                        "1" if "docx" in formats else "0", str(folder / "bare"), docx_files]
            if name == "leave.stubs":  # forms, not a table: the same number of forms in as many documents
                bare_cmd[2] = BARE_FORMS
                bare_cmd[-1] = ",".join(str(form_count(p)) for p in files if p.suffix == ".docx")
            bare_cmd.append(str(max(1, sum(1 for p in files if p.suffix == ".xlsx"))))
            bare_cmd.append(",".join(str(chart_count(p)) for p in files if p.suffix == ".xlsx"))
            b_secs, b_mb, b_rc, b_out = child(bare_cmd, env)
            b_cpu = CPU[-1]
            if b_rc:
                print(b_out)
            warm = warm_bare = ratio = None
            pairs = 0
            if not args.no_warm:
                got = warm_pair([sys.executable, "-c", WARM_PAIR, name, "" if city_wide else info["town"],
                                 str(folder / "out-warm"), *bare_cmd[2:]], env)
                if got:
                    warm, warm_bare, ratio, pairs = got
            results.setdefault(name, {})[n] = dict(secs=secs, mb=mb, rows=rows, cols=cols, bare=b_secs, bare_mb=b_mb,
                                                   cpu=cpu, bare_cpu=b_cpu, warm=warm, warm_bare=warm_bare, ratio=ratio,
                                                   scope="city" if city_wide else info["town"])
            print(f"{name} at {n}: {secs:.2f} s ({cpu:.2f} CPU) {mb:.0f} MB ({rows}×{cols}); "
                  f"bare {b_secs:.2f} s ({b_cpu:.2f} CPU) {b_mb:.0f} MB"
                  + (f"; started process, {pairs} runs each in turns: best {warm:.4f} CPU, bare {warm_bare:.4f} CPU, "
                     f"median ratio {ratio:.2f}×" if ratio else ""),
                  flush=True)
    small = sizes[0]
    warm = not args.no_warm
    print()
    print("| report | scope | assistants | rows×cols "
          + ("| started, best run: xinyi CPU s | bare CPU s | ×bare (median of pairs) " if warm else "")
          + "| new process: xinyi s | bare s | xinyi CPU s | bare CPU s | ×bare CPU "
          "| xinyi MB | bare MB | ×RSS | CPU growth vs " + str(small) + " | flags |")
    print("|---" * (17 if warm else 14) + "|")
    starts: list[tuple[float, float]] = []
    for name, by_n in results.items():
        base = by_n.get(small, {})
        for n in sizes:
            r = by_n.get(n)
            if r is None:
                continue
            if r.get("failed"):
                print(f"| {name} | | {n} | | failed |" + " |" * (16 if warm else 13) + " FAILED |")
                continue
            cpu_growth = r["cpu"] / base["cpu"] if base.get("cpu") else float("nan")
            started = warm and r.get("ratio") is not None
            flags = []
            # on CPU seconds: on a shared 2-core machine the wall time mostly measures the queue for a core
            if n != small and cpu_growth > 1.2 * n / small:
                flags.append(f"NOT LINEAR (CPU > {1.2 * n / small:.0f}×)")
            if started and r["ratio"] > 1.5:
                flags.append("started CPU > 1.5× bare")
            if warm and not started:
                flags.append("started run FAILED")
            if not warm and r["cpu"] > 1.5 * r["bare_cpu"]:
                flags.append("CPU > 1.5× bare")
            if r["mb"] > 1.5 * r["bare_mb"]:
                flags.append("RSS > 1.5× bare")
            line = f"| {name} | {r['scope']} | {n} | {r['rows']}×{r['cols']} | "
            if started:
                digits = 4 if r["warm"] < 0.1 else 3
                line += f"{r['warm']:.{digits}f} | {r['warm_bare']:.{digits}f} | {r['ratio']:.2f}× | "
                starts.append((r["cpu"] - r["warm"], r["bare_cpu"] - r["warm_bare"]))
            elif warm:
                line += "| | | "
            line += (f"{r['secs']:.2f} | {r['bare']:.2f} | {r['cpu']:.2f} | {r['bare_cpu']:.2f} | "
                     f"{r['cpu'] / max(r['bare_cpu'], 0.01):.1f}× | {r['mb']:.0f} | {r['bare_mb']:.0f} | "
                     f"{r['mb'] / r['bare_mb']:.1f}× | {cpu_growth:.1f}× | {', '.join(flags)} |")
            print(line)
    if starts:
        xs, bs = sorted(x for x, _ in starts), sorted(b for _, b in starts)
        print(f"\nStarting a new process (its CPU seconds less its started run's, median over the reports): "
              f"xinyi {xs[len(xs) // 2]:.2f} s, bare writer {bs[len(bs) // 2]:.2f} s — not flagged: in a new "
              f"process a short report is mostly its start")
    print(f"\ndatabase: {'PostgreSQL' if args.database else 'SQLite'}; cities kept in {keep}")


if __name__ == "__main__":
    main()
