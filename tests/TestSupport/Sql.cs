using Npgsql;

namespace ClearingCluster.TestSupport;

/// <summary>What a test reads straight from the database to check what the system stored.</summary>
public static class Sql
{
    /// <summary>One statement with positional parameters (<c>$1</c>, …); its single value as a number.</summary>
    public static async Task<long> LongAsync(string connectionString, string sql, params object[] parameters) =>
        Convert.ToInt64(await ScalarAsync(connectionString, sql, parameters), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One statement with positional parameters; its single value as text.</summary>
    public static async Task<string?> TextAsync(string connectionString, string sql, params object[] parameters) =>
        Convert.ToString(await ScalarAsync(connectionString, sql, parameters), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<object?> ScalarAsync(string connectionString, string sql, object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return await command.ExecuteScalarAsync();
    }
}
