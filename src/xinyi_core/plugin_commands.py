"""``xinyi plugin …``: tools for plugin developers (the guide and the scaffold)."""
from __future__ import annotations

from pathlib import Path

import click

from .i18n import t


def add_commands(cli: click.Group) -> None:
    @cli.group(name="plugin", help="插件开发工具")
    def plugin_group() -> None:
        pass

    @plugin_group.command(name="docs", help="由插件接口生成插件开发指南（docs/plugins.md）")
    @click.option("--out", "out", default="docs/plugins.md", show_default=True, type=click.Path(dir_okay=False))
    def plugin_docs(out: str) -> None:
        from . import plugindocs

        click.echo(t("plugindev.docs_done", path=str(plugindocs.write(Path(out)))))

    @plugin_group.command(name="new", help="新建一个可直接安装的插件包")
    @click.argument("name")
    @click.option("--dir", "parent", default=".", show_default=True, type=click.Path(file_okay=False),
                  help="在该目录下创建 xinyi_NAME/")
    @click.option("--title", default="新插件", show_default=True, help="插件的中文名称")
    def plugin_new(name: str, parent: str, title: str) -> None:
        from . import scaffold

        project = scaffold.new_plugin(name, Path(parent), title)
        click.echo(t("plugindev.new_done", name=name, path=str(project)))
        click.echo(t("plugindev.new_next", path=str(project)))
