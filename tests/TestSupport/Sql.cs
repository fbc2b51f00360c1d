using Npgsql;

namespace ClearingCluster.TestSupport;

/// <summary>What a test reads straight from the database to check what the system stored.</summary>
public static class Sql
{
    /// <summary>One statement with positional parameters (<c>$1</c>, …); its single value as a number.</summary>
    public static async Task<long> LongAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
