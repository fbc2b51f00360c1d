using Microsoft.Extensions.Configuration;

namespace ClearingCluster.Silo.Hosting;

/// <summary>
/// Where the silo keeps its data and which database it uses. Read from the <c>Clearing</c> configuration
/// section, overridden by the environment: <c>CLEARING_DB</c> (a PostgreSQL connection string; without it a
/// project-local server is started), <c>CLEARING_DATA_DIR</c>, <c>CLEARING_PG_PORT</c>.
/// </summary>
public sealed class ClearingOptions
{
    public string? ConnectionString { get; set; }

    public string DataDirectory { get; set; } = ".data";

    public int PostgresPort { get; set; } = 5433;

    /// <summary>fsync for the embedded server; tests turn it off for throwaway clusters.</summary>
    public bool PostgresDurable { get; set; } = true;

    public static ClearingOptions From(IConfiguration configuration)
    {
        var options = new ClearingOptions();
        configuration.GetSection("Clearing").Bind(options);
        options.ConnectionString = NonEmpty(configuration["CLEARING_DB"]) ?? options.ConnectionString;
        options.DataDirectory = NonEmpty(configuration["CLEARING_DATA_DIR"]) ?? options.DataDirectory;
        if (int.TryParse(configuration["CLEARING_PG_PORT"], out var port))
        {
            options.PostgresPort = port;
        }
        return options;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
