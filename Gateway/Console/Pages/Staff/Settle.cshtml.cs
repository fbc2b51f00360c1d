using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages.Staff;

/// <summary>Settling a computed cycle after a confirmation that shows its report: money moves only on the second, deliberate step.</summary>
public sealed class SettleModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    [FromRoute]
    public string CycleId { get; set; } = "";

    public CycleResponse? Cycle { get; private set; }

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        return await ActAsync(client => client.SettleCycleAsync(CycleId, HttpContext.RequestAborted), "settled", "/console/staff/cycles");
    }

    /// <summary>
    /// Each participant's pays (red, left), receives (green, right) and net (blue) as SVG bars, scaled to the largest;
    /// every name and amount encoded.
    /// </summary>
    public static string NetsChart(IReadOnlyList<CycleNetResponse> nets, long largest, ConsoleText t)
    {
        var svg = new System.Text.StringBuilder();
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string E(string text) => System.Net.WebUtility.HtmlEncode(text);
        string W(long micros) => (200.0 * micros / largest).ToString("0.#", inv);
        svg.Append(inv, $"<svg role=\"img\" aria-label=\"{E(t["nets"])}\" viewBox=\"0 0 640 {(24 * nets.Count) + 10}\" class=\"nets\">");
        for (var i = 0; i < nets.Count; i++)
        {
            var n = nets[i];
            var y = 5 + (24 * i);
            svg.Append(inv, $"<text x=\"210\" y=\"{y + 15}\" text-anchor=\"end\" font-size=\"11\">{E(n.Participant)}</text>");
            svg.Append(inv, $"<rect x=\"{(420 - (200.0 * n.Pays / largest)).ToString("0.#", inv)}\" y=\"{y + 4}\" width=\"{W(n.Pays)}\" height=\"7\" fill=\"#dc2626\"><title>{E(t["pays"] + " " + t.Yuan(n.Pays))}</title></rect>");
            svg.Append(inv, $"<rect x=\"420\" y=\"{y + 4}\" width=\"{W(n.Receives)}\" height=\"7\" fill=\"#0d9488\"><title>{E(t["receives"] + " " + t.Yuan(n.Receives))}</title></rect>");
            var x = n.Net < 0 ? 420 - (200.0 * -n.Net / largest) : 420;
            svg.Append(inv, $"<rect x=\"{x.ToString("0.#", inv)}\" y=\"{y + 12}\" width=\"{W(Math.Abs(n.Net))}\" height=\"5\" fill=\"#1d4ed8\"><title>{E(t["net"] + " " + t.Yuan(n.Net))}</title></rect>");
        }
        return svg.Append("</svg>").ToString();
    }

    protected override async Task LoadAsync()
    {
        using var client = Api();
        Cycle = await client.Api.GetCycleAsync(CycleId, HttpContext.RequestAborted);
    }
}
