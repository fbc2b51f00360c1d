using Spectre.Console;
using Spectre.Console.Rendering;

namespace ClearingCluster.Cli.Tables;

/// <summary>Table building shared by the tables: values go in as plain text, never as markup, so an id with brackets prints as it is.</summary>
internal static class Cells
{
    public static Table Titled(string title) =>
        new Table().Border(TableBorder.Rounded).Title(new TableTitle(title, new Style(decoration: Decoration.Bold)));

    /// <summary>A column of amounts or counts, right-aligned so that digits line up.</summary>
    public static Table Figure(this Table table, string header) => table.AddColumn(new TableColumn(header).RightAligned());

    public static Table Label(this Table table, string header) => table.AddColumn(new TableColumn(header));

    public static Table Row(this Table table, params string[] values) => table.AddRow(values.Select(v => (IRenderable)new Text(v)).ToArray());

    /// <summary>Two columns, name and value: one record read down the page.</summary>
    public static Table Record(string title) => Titled(title).Label("").Label("").HideHeaders();
}
