using System.Globalization;

namespace ClearingCluster.Gateway.Console;

/// <summary>
/// The console's words in Chinese (the default) and English. The language is the one the member chose (a cookie set by
/// the switch), else the first of the browser's <c>Accept-Language</c> the console speaks, else Chinese.
/// </summary>
public sealed class ConsoleText
{
    public const string LanguageCookie = "cc_lang";

    private static readonly Dictionary<string, (string Zh, string En)> Words = new(StringComparer.Ordinal)
    {
        ["title"] = ("数据交易所控制台", "Exchange console"),
        ["signin"] = ("登录", "Sign in"),
        ["signout"] = ("退出", "Sign out"),
        ["key"] = ("API 密钥", "API key"),
        ["key_help"] = ("用您的 API 密钥登录一次；密钥只保存在服务器端。", "Sign in once with your API key; it stays on the server."),
        ["key_refused"] = ("这个密钥未被接受。", "This key was not accepted."),
        ["key_missing"] = ("请输入 API 密钥（16–128 个字符）。", "Enter an API key (16–128 characters)."),
        ["signed_in_as"] = ("当前成员", "Signed in as"),
        ["roles"] = ("角色", "Roles"),
        ["balances"] = ("余额", "Balances"),
        ["available"] = ("可用", "Available"),
        ["held"] = ("冻结", "Held"),
        ["escrow"] = ("托管", "Escrow"),
        ["backing"] = ("代金券准备金", "Voucher backing"),
        ["no_account"] = ("尚无账户：还没有资金往来。", "No account yet: no money has moved."),
        ["participants"] = ("参与者", "Participants"),
        ["status"] = ("状态", "Status"),
        ["tier"] = ("等级", "Tier"),
        ["name"] = ("名称", "Name"),
        ["refused"] = ("无权访问", "Not allowed"),
        ["refused_detail"] = ("交易所拒绝了这个请求：", "The exchange refused this request: "),
        ["language"] = ("English", "中文"),
        ["nav_home"] = ("概览", "Overview"),
        ["nav_participants"] = ("参与者管理", "Participants"),
        ["nav_cycles"] = ("清算周期", "Clearing cycles"),
        ["cycles"] = ("清算周期", "Clearing cycles"),
        ["cycle"] = ("周期", "Cycle"),
        ["opened"] = ("开始于", "Opened"),
        ["cut_at"] = ("截止于", "Cut off at"),
    };

    public ConsoleText(string language) => Language = language;

    /// <summary><c>zh-CN</c> or <c>en</c>.</summary>
    public string Language { get; }

    public bool IsChinese => Language == "zh-CN";

    /// <summary>The other language, as the switch offers it.</summary>
    public string Other => IsChinese ? "en" : "zh-CN";

    public string this[string key] => Words.TryGetValue(key, out var w) ? (IsChinese ? w.Zh : w.En) : key;

    public static ConsoleText For(HttpContext context)
    {
        var chosen = context.Request.Cookies[LanguageCookie];
        if (chosen is "en" or "zh-CN")
        {
            return new ConsoleText(chosen);
        }
        foreach (var language in context.Request.GetTypedHeaders().AcceptLanguage.OrderByDescending(l => l.Quality ?? 1))
        {
            var tag = language.Value.Value ?? "";
            if (tag.StartsWith("zh", StringComparison.OrdinalIgnoreCase))
            {
                return new ConsoleText("zh-CN");
            }
            if (tag.StartsWith("en", StringComparison.OrdinalIgnoreCase))
            {
                return new ConsoleText("en");
            }
        }
        return new ConsoleText("zh-CN");
    }

    /// <summary>
    /// µ¥ as yuan with two decimals, digits grouped by three with commas (as both zh-CN and English write money; the
    /// process runs without culture data, so the format is spelled out here rather than taken from a culture). Display only, so the rule is simple and written here:
    /// truncated toward zero (a balance never shows a fen more than there is); the exact µ¥ go in a tooltip.
    /// </summary>
    public string Yuan(long micros)
    {
        var sign = micros < 0 ? "-" : "";
        var magnitude = micros == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(micros);
        var yuan = magnitude / 1_000_000;
        var fen = magnitude % 1_000_000 / 10_000;
        return string.Create(CultureInfo.InvariantCulture, $"{sign}¥{yuan:N0}.{fen:00}");
    }

    public string Micros(long micros) => string.Create(CultureInfo.InvariantCulture, $"{micros:N0} µ¥");
}
