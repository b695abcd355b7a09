"""``xinyi assessment-scheme``: print the scoring scheme a town uses and what validation found (ASM-5)."""
from __future__ import annotations

from typing import Any

import click

from xinyi_core import XinyiError, load_config, t

from .rules import scheme as scheme_mod


def describe(sch: scheme_mod.Scheme) -> list[str]:
    """The scheme as lines: sections with stated and actual totals, items, then the findings."""
    lines = [t("assessment.cli.header", name=sch.name, version=sch.version, total=f"{sch.total:g}",
               source=sch.source)]
    lines += [t("assessment.cli.veto", no=v.no, content=v.content[:30]) for v in sch.vetoes]
    for s in sch.sections:
        lines.append(t("assessment.cli.section", title=s.title, stated=f"{s.stated_total:g}",
                       items=f"{s.items_total:g}"))
        lines += [t("assessment.cli.item", no=i.no, name=i.name, points=f"{i.points:g}", rules=len(i.deductions))
                  for i in s.items]
    lines += [t("assessment.cli.finding", message=f.message) for f in sch.findings] or [t("assessment.cli.no_findings")]
    return lines


def register(cli: Any) -> None:
    @cli.command("assessment-scheme", help="查看并校验年度考核评分方案（附件1）")
    @click.option("--file", "path", type=click.Path(dir_okay=False), help="方案文件（默认按配置）")
    @click.option("--town", default=None, help="镇（街道）代码：显示该镇使用的方案")
    @click.pass_context
    def show(ctx: click.Context, path: str | None, town: str | None) -> None:
        try:
            if path is None:  # the configuration alone says which file: no database needed
                path = str(scheme_mod.path_for(town, load_config((ctx.obj or {}).get("config"))))
            sch = scheme_mod.load(path)
        except XinyiError as exc:
            click.echo(t("cli.error", message=str(exc)), err=True)
            ctx.exit(1)
            return
        for line in describe(sch):
            click.echo(line)
