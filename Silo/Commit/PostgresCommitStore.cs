using ClearingCluster.Runtime.Durability;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Silo.Commit;

/// <summary>
/// The commit log in PostgreSQL. A flush is one <see cref="NpgsqlBatch"/> run as one implicit transaction in one
/// round trip: first the fence (<c>CALL fence_writers</c>, which raises <c>CC001</c> unless every writer in the
/// flush still holds its epoch, and locks their rows against a concurrent takeover), then each item kind's
/// statements, then one upsert of every account's summed deltas. Any error rolls all of it back.
/// </summary>
public sealed class PostgresCommitStore(ClearingDatabase database, IEnumerable<ICommitItemWriter> writers) : ICommitStore
{
    public const string StaleWriterState = "CC001";

    private readonly Dictionary<Type, ICommitItemWriter> writersByType = writers.ToDictionary(w => w.ItemType);

    public async Task<long> ClaimEpochAsync(string writer, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("""
            INSERT INTO writer_epochs AS w (writer, epoch) VALUES ($1, 1)
            ON CONFLICT (writer) DO UPDATE SET epoch = w.epoch + 1
            RETURNING epoch
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = writer });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public void Commit(CommitBatch batch)
    {
        var flush = new FlushContext(batch.FlushSequence);
        flush.Add("CALL fence_writers($1, $2, $3)", null,
            batch.Fences.Select(f => f.Writer).ToArray(), batch.Fences.Select(f => f.Epoch).ToArray(), batch.FlushSequence);
        foreach (var group in batch.Items.GroupBy(i => i.GetType()))
        {
            if (!writersByType.TryGetValue(group.Key, out var writer))
            {
                throw new InvalidOperationException($"no commit writer is registered for {group.Key.Name}");
            }
            writer.Write(flush, [.. group]);
        }

        using var connection = database.CommitDataSource.OpenConnection();
        try
        {
            flush.Execute(connection);
        }
        catch (PostgresException error) when (error.SqlState == StaleWriterState)
        {
            throw new StaleWriterException(Stale(connection, batch.Fences));
        }
    }

    private static IReadOnlyCollection<WriterFence> Stale(NpgsqlConnection connection, IReadOnlyList<WriterFence> fences)
    {
        using var command = new NpgsqlCommand("""
            SELECT f.writer, f.epoch FROM unnest($1::text[], $2::bigint[]) AS f(writer, epoch)
            WHERE NOT EXISTS (SELECT 1 FROM writer_epochs w WHERE w.writer = f.writer AND w.epoch = f.epoch)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = fences.Select(f => f.Writer).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = fences.Select(f => f.Epoch).ToArray() });
        using var reader = command.ExecuteReader();
        var stale = new List<WriterFence>();
        while (reader.Read())
        {
            stale.Add(new WriterFence(reader.GetString(0), reader.GetInt64(1)));
        }
        return stale;
    }
}
