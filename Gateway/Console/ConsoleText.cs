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
        ["nav_orders"] = ("委托", "Orders"),
        ["nav_statements"] = ("对账单", "Statements"),
        ["nav_products"] = ("挂牌审核", "Listing review"),
        ["nav_ledger"] = ("存证账本", "Evidence ledger"),
        ["orders"] = ("委托", "Orders"),
        ["place_order"] = ("下单", "Place an order"),
        ["product"] = ("数据产品", "Product"),
        ["side"] = ("方向", "Side"),
        ["buy"] = ("买入", "Buy"),
        ["sell"] = ("卖出", "Sell"),
        ["price"] = ("价格（µ¥/次）", "Price (µ¥ a call)"),
        ["quantity"] = ("数量（次）", "Quantity (calls)"),
        ["scenario"] = ("使用场景（买入时必填）", "Scenario (for a buy)"),
        ["filled"] = ("已成交", "Filled"),
        ["remaining"] = ("剩余", "Remaining"),
        ["order"] = ("委托号", "Order"),
        ["cancel"] = ("撤单", "Cancel"),
        ["no_orders"] = ("暂无委托。", "No orders yet."),
        ["done_placed"] = ("委托已提交。", "The order is placed."),
        ["done_cancelled"] = ("委托已撤销。", "The order is cancelled."),
        ["done_approved"] = ("已批准。", "Approved."),
        ["done_rejected"] = ("已驳回。", "Rejected."),
        ["done_cut_off"] = ("周期已截止。", "The cycle is cut off."),
        ["done_computed"] = ("周期已计算。", "The cycle is computed."),
        ["done_settled"] = ("周期已结算。", "The cycle is settled."),
        ["statement"] = ("对账单", "Statement"),
        ["account"] = ("账户", "Account"),
        ["show"] = ("查看", "Show"),
        ["download_csv"] = ("下载 CSV", "Download CSV"),
        ["opening"] = ("期初", "Opening"),
        ["revenue"] = ("本周期作为提供方的收入（扣除手续费与分成后）", "Revenue as provider this cycle (after fees and shares)"),
        ["adjust"] = ("记录调整", "Record an adjustment"),
        ["from"] = ("付款账户", "From"),
        ["to"] = ("收款账户", "To"),
        ["reason"] = ("原因", "Reason"),
        ["done_adjusted"] = ("调整已记录，将在下一周期过账。", "The adjustment is recorded; it posts in the next cycle."),
        ["no_movements"] = ("本周期结算未涉及这个账户。", "The cycle's settlement did not touch this account."),
        ["closing"] = ("期末", "Closing"),
        ["postings"] = ("记账分录", "Postings"),
        ["contract_lines"] = ("合约明细", "Contract lines"),
        ["units"] = ("用量", "Units"),
        ["gross"] = ("总额", "Gross"),
        ["fee"] = ("手续费", "Fee"),
        ["kind"] = ("类型", "Kind"),
        ["amount"] = ("金额", "Amount"),
        ["debit"] = ("借方", "Debit"),
        ["credit"] = ("贷方", "Credit"),
        ["approve"] = ("批准", "Approve"),
        ["reject"] = ("驳回", "Reject"),
        ["note"] = ("审核意见", "Review note"),
        ["pending_products"] = ("待审核的挂牌", "Listings awaiting review"),
        ["no_pending"] = ("没有待处理的事项。", "Nothing is waiting."),
        ["provider"] = ("提供方", "Provider"),
        ["category"] = ("类别", "Category"),
        ["cut_off"] = ("截止当前周期", "Cut off the open cycle"),
        ["compute"] = ("计算", "Compute"),
        ["settle"] = ("结算…", "Settle…"),
        ["settle_confirm"] = ("确认结算", "Confirm settlement"),
        ["settle_question"] = ("结算后资金将按下列报告划转，且不可撤销。确认结算？", "Settling moves the money as this report says, and cannot be undone. Settle?"),
        ["contracts"] = ("合约", "Contracts"),
        ["fees"] = ("手续费", "Fees"),
        ["netting"] = ("净额结算比例", "Netting ratio"),
        ["nets"] = ("各参与者应付、应收与净额", "What each participant pays, receives and nets"),
        ["nets_help"] = ("红：应付；绿：应收；蓝：净额（左为净付出，右为净收入）。最多显示 20 个净额最大的参与者。", "Red: pays; green: receives; blue: the net (left pays, right receives). The 20 largest nets."),
        ["pays"] = ("应付", "pays"),
        ["receives"] = ("应收", "receives"),
        ["net"] = ("净额", "net"),
        ["provider_received"] = ("提供方收入", "Providers received"),
        ["ledger"] = ("存证账本", "Evidence ledger"),
        ["ledger_ok"] = ("账本校验通过：每一条记录的哈希链都完整。", "The ledger verifies: every entry's hash chain holds."),
        ["ledger_bad"] = ("账本校验失败，第一条错误记录：", "The ledger does not verify; the first bad entry: "),
        ["entries"] = ("记录数", "Entries"),
        ["head"] = ("最新哈希", "Head hash"),
        ["back"] = ("返回", "Back"),
        ["nav_contracts"] = ("合约", "Contracts"),
        ["vouchers"] = ("代金券", "Vouchers"),
        ["issue_voucher"] = ("发放代金券", "Issue a voucher"),
        ["holder"] = ("持有人", "Holder"),
        ["voucher_help"] = ("代金券由代金券基金出资；发放前基金须有足够准备金。", "Vouchers are paid from the voucher fund, which must hold enough backing first."),
        ["done_voucher_issued"] = ("代金券已发放。", "The voucher is issued."),
        ["keys"] = ("API 密钥", "API keys"),
        ["issue_key"] = ("签发密钥", "Issue a key"),
        ["revoke_key"] = ("吊销密钥", "Revoke a key"),
        ["key_issued"] = ("已为以下参与者签发新密钥：", "A new key for"),
        ["key_once"] = ("请立即安全地交给对方：密钥只显示这一次，交易所只保存其哈希。", "Hand it over safely now: it is shown this once, and the exchange keeps only its hash."),
        ["done_key_revoked"] = ("密钥已吊销。", "The key is revoked."),
        ["nav_vouchers"] = ("代金券", "Vouchers"),
        ["nav_keys"] = ("密钥", "Keys"),
        ["issuer"] = ("发放方", "Issuer"),
        ["expires"] = ("到期日", "Expires"),
        ["suspend"] = ("暂停", "Suspend"),
        ["change_tier"] = ("调整等级", "Change tier"),
        ["done_tier_changed"] = ("等级已调整，额度随之生效。", "The tier is changed; its limits apply from the next order."),
        ["done_suspended"] = ("已暂停。", "Suspended."),
        ["nav_provider"] = ("我的产品", "My products"),
        ["my_products"] = ("我的数据产品", "My products"),
        ["resting_orders"] = ("挂单中的委托", "Resting orders"),
        ["book"] = ("订单簿", "Order book"),
        ["operations"] = ("运行状态", "Operations"),
        ["nav_operations"] = ("运行状态", "Operations"),
        ["health"] = ("健康状态", "Health"),
        ["ops_requests"] = ("HTTP 请求", "HTTP requests"),
        ["ops_usage"] = ("用量记录", "Usage records"),
        ["ops_flushes"] = ("提交批次", "Commit flushes"),
        ["ops_p99"] = ("HTTP p99 延迟", "HTTP p99 latency"),
        ["ops_memory"] = ("内存", "Memory"),
        ["ops_waiting"] = ("等待采样…", "Waiting for samples…"),
        ["top_of_book"] = ("最优报价", "Top of the book"),
        ["best_bid"] = ("最高买价", "Best bid"),
        ["best_ask"] = ("最低卖价", "Best ask"),
        ["last_price"] = ("最新成交价", "Last trade"),
        ["depth"] = ("深度（µ¥/次）", "Depth (µ¥ a call)"),
        ["bids"] = ("买价", "Bids"),
        ["asks"] = ("卖价", "Asks"),
        ["trades"] = ("实时成交", "Trades, live"),
        ["time"] = ("时间（UTC）", "Time (UTC)"),
        ["feed_connecting"] = ("正在连接实时行情…", "Connecting to the live feed…"),
        ["feed_live"] = ("实时行情已连接。", "Live."),
        ["feed_reconnecting"] = ("连接中断，正在重连…", "Disconnected; reconnecting…"),
        ["no_contracts"] = ("暂无合约。", "No contracts yet."),
        ["quota_used"] = ("额度使用", "Quota used"),
        ["valid"] = ("有效期", "Valid"),
        ["evidence_code"] = ("存证码", "Evidence code"),
        ["ledger_entry"] = ("账本记录", "Ledger entry"),
        ["proof"] = ("存证证明", "Evidence proof"),
        ["proof_help"] = ("由您的浏览器独立校验：合约条款的 SHA-256 即存证码，沿审计路径折叠得到批次根哈希，账本记录载有同一根哈希。",
            "Checked by your browser on its own: the terms' SHA-256 is the evidence code, folding the audit path gives the batch's root, and the ledger entry carries that root."),
        ["proof_check"] = ("重新校验", "Check again"),
        ["proof_pending"] = ("校验中…", "Checking…"),
        ["proof_ok"] = ("浏览器校验通过：条款、存证码、根哈希与账本记录一致。", "Checked in this browser: the terms, the evidence code, the root and the ledger entry agree."),
        ["proof_bad"] = ("浏览器校验失败：", "The check failed in this browser: "),
        ["proof_leaf"] = ("条款的哈希不是存证码。", "the terms do not hash to the evidence code."),
        ["proof_root"] = ("审计路径没有得到根哈希。", "the audit path does not lead to the root."),
        ["proof_entry"] = ("账本记录载有的根哈希不同。", "the ledger entry carries another root."),
        ["status_expired"] = ("已到期", "expired"),
        ["status_closed"] = ("已关闭", "closed"),
        ["status_resting"] = ("挂单中", "resting"),
        ["status_partially_filled"] = ("部分成交", "partially filled"),
        ["status_filled"] = ("已成交", "filled"),
        ["status_cancelled"] = ("已撤销", "cancelled"),
        ["status_open"] = ("进行中", "open"),
        ["status_cutting_off"] = ("截止中", "cutting off"),
        ["status_cut_off"] = ("已截止", "cut off"),
        ["status_computed"] = ("已计算", "computed"),
        ["status_settled"] = ("已结算", "settled"),
        ["status_failed"] = ("失败", "failed"),
        ["status_pending"] = ("待审核", "pending"),
        ["status_active"] = ("正常", "active"),
        ["status_suspended"] = ("已暂停", "suspended"),
        ["status_pending_review"] = ("待审核", "pending review"),
        ["status_listed"] = ("已挂牌", "listed"),
        ["status_rejected"] = ("已驳回", "rejected"),
        ["status_delisted"] = ("已摘牌", "delisted"),
    };

    public ConsoleText(string language) => Language = language;

    /// <summary><c>zh-CN</c> or <c>en</c>.</summary>
    public string Language { get; }

    public bool IsChinese => Language == "zh-CN";

    /// <summary>The other language, as the switch offers it.</summary>
    public string Other => IsChinese ? "en" : "zh-CN";

    public bool Knows(string key) => Words.ContainsKey(key);

    /// <summary>A status as the API spells it (<c>partially_filled</c>), in words; the raw value stays in the page's <c>data-status</c>.</summary>
    public string Status(string status) => Knows("status_" + status) ? this["status_" + status] : status;

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
