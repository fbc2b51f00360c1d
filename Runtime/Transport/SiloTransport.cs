using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ClearingCluster.Runtime.Calls;
using ClearingCluster.Runtime.Cluster;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Runtime.Transport;

/// <summary>The answer to a call sent to another silo: its result, or the error and whether the method ran.</summary>
internal readonly record struct RemoteAnswer(Outcome Outcome, object? Result, Exception? Error);

/// <summary>
/// The silo-to-silo transport: listens on the silo's endpoint, keeps one connection per pair of silos (the first to
/// call dials, and says who it is, so the other sends its own calls back on it), sends calls for partitions other silos
/// serve (through <see cref="GrainCallRouter"/>), and answers theirs by delivering them to this silo's runtime. Plain
/// sockets with System.IO.Pipelines on both ends (docs/CLUSTER.md says why not Kestrel's listener).
/// </summary>
public sealed class SiloTransport : IAsyncDisposable
{
    private readonly GrainRuntime runtime;
    private readonly TransportOptions options;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, Lazy<Task<SiloConnection>>> connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<SiloConnection, Task> running = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly string address;
    private Socket? listener;
    private Task accepting = Task.CompletedTask;
    private long mapReadFailures;
    private int stopped;

    public SiloTransport(GrainRuntime runtime, PartitionMap map, TransportOptions options, ClusterTimings timings, string silo, string address, int port,
        ILogger<SiloTransport> logger)
    {
        options.Validate();
        (this.runtime, this.options, this.logger, this.address, Map) = (runtime, options, logger, address, map);
        Self = new SiloEndpoint(PartitionMap.MembershipName(silo), address, port);
        Metrics = new TransportMetrics(() => running.Count);
        runtime.RouteWith(new GrainCallRouter(runtime, this, map, options, timings));
    }

    /// <summary>This silo as others reach it; its port is the one bound once started.</summary>
    public SiloEndpoint Self { get; private set; }

    public PartitionMap Map { get; }

    internal TransportMetrics Metrics { get; }

    /// <summary>Another silo released partitions for this one to take: the keeper should run a round now.</summary>
    public event Action? HandOverNoticed;

    /// <summary>Binds the endpoint (port 0: any free one, then <see cref="Self"/> carries it) and starts taking connections.</summary>
    public void Start()
    {
        var bindTo = IPAddress.TryParse(address, out var ip) ? ip : IPAddress.Any;
        listener = new Socket(bindTo.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(bindTo, Self.Port));
        listener.Listen(512);
        Self = Self with { Port = ((IPEndPoint)listener.LocalEndPoint!).Port };
        accepting = AcceptAsync(listener, stopping.Token);
        logger.LogInformation("silo {Silo} takes calls from other silos on {Address}:{Port}", Self.Silo, address, Self.Port);
    }

    /// <summary>Stops listening and closes every connection (calls waiting on them fail as "may have run"). Idempotent.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }
        await stopping.CancelAsync().ConfigureAwait(false);
        listener?.Dispose();
        foreach (var connection in running.Keys)
        {
            connection.Close();
        }
        try
        {
            await accepting.ConfigureAwait(false);
            await Task.WhenAll(running.Values).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        // The token source stays undisposed: a dial or a connection's loop may still be unwinding with its token.
        Metrics.Dispose();
    }

    /// <summary>Tells each of <paramref name="silos"/> that partitions were released for it (best effort: its next round finds them anyway).</summary>
    public async Task NotifyHandOverAsync(IEnumerable<SiloEndpoint> silos)
    {
        foreach (var silo in silos.Where(s => s.Silo != Self.Silo).Distinct())
        {
            try
            {
                var connection = await ConnectionAsync(silo).ConfigureAwait(false);
                connection.Post(Frame.Encode(FrameKind.HandOver, 0, [], options.MaxFrameBytes));
            }
            catch (SiloCallFailedException unreachable)
            {
                logger.LogInformation("could not tell silo {Silo} of a hand-over ({Reason}); it finds the partitions in its next round", silo, unreachable.Reason);
            }
        }
    }

    internal void MapReadFailed(Exception error)
    {
        if (Interlocked.Increment(ref mapReadFailures) % 100 == 1)
        {
            logger.LogWarning("the partition map could not be read ({Error}); calls for other silos' partitions wait for it", error.Message);
        }
    }

    internal async Task<RemoteAnswer> CallAsync(SiloEndpoint owner, GrainId target, IRemotableCall call, int timeoutMs)
    {
        SiloConnection connection;
        try
        {
            connection = await ConnectionAsync(owner).ConfigureAwait(false);
        }
        catch (SiloCallFailedException unreachable)
        {
            Metrics.Sent("unreachable", 0);
            return new RemoteAnswer(Outcome.Refused, null, unreachable);
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Frame frame;
        try
        {
            frame = await connection.CallAsync(
                correlation => WireCodec.Request(correlation, timeoutMs, target, call.Invoker, call.Args, options.MaxFrameBytes),
                TimeSpan.FromMilliseconds(timeoutMs)).ConfigureAwait(false);
        }
        catch (SiloCallFailedException refused) when (!refused.MayHaveRun)
        {
            Metrics.Sent("refused", 0);
            return new RemoteAnswer(Outcome.Refused, null, refused);
        }
        catch (SiloCallFailedException)
        {
            Metrics.Sent("no_answer", 0);
            throw;
        }
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        var outcome = (Outcome)frame.Body[0];
        Metrics.Sent(outcome switch { Outcome.Ok => "ok", Outcome.Fault => "fault", _ => "refused" }, seconds);
        try
        {
            return outcome == Outcome.Ok
                ? new RemoteAnswer(outcome, WireCodec.ReadResult(frame.Body.AsSpan(1), call.Invoker.ResultType), null)
                : new RemoteAnswer(outcome, null, RemoteErrors.Read(frame.Body.AsSpan(1)));
        }
        catch (Exception unreadable) when (unreadable is System.Text.Json.JsonException or InvalidDataException or NotSupportedException)
        {
            // The method may have run (and committed): only a repeat with the same reference is safe.
            throw new SiloCallFailedException(owner.ToString(), mayHaveRun: outcome != Outcome.Refused, $"its answer could not be read: {unreadable.Message}");
        }
    }

    /// <summary>The open connection to <paramref name="silo"/>, dialled once however many callers ask at once; a closed one is dialled afresh.</summary>
    private async Task<SiloConnection> ConnectionAsync(SiloEndpoint silo)
    {
        var key = $"{silo.Address}:{silo.Port}";
        for (var attempt = 0; ; attempt++)
        {
            var dialling = connections.GetOrAdd(key, static (key, transport) => new Lazy<Task<SiloConnection>>(() => transport.DialAsync(key)), this);
            try
            {
                var connection = await dialling.Value.ConfigureAwait(false);
                if (!connection.IsClosed || attempt > 0)
                {
                    return connection;
                }
                // Ended since it was cached: forget it and dial again.
                connections.TryRemove(new KeyValuePair<string, Lazy<Task<SiloConnection>>>(key, dialling));
            }
            catch (Exception error) when (error is SocketException or OperationCanceledException or IOException)
            {
                connections.TryRemove(new KeyValuePair<string, Lazy<Task<SiloConnection>>>(key, dialling));
                throw new SiloCallFailedException(silo.ToString(), mayHaveRun: false, $"could not connect: {error.Message}");
            }
        }
    }

    private async Task<SiloConnection> DialAsync(string key)
    {
        var separator = key.LastIndexOf(':');
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            KeepAlive(socket);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
            timeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(key[..separator], int.Parse(key[(separator + 1)..], System.Globalization.CultureInfo.InvariantCulture), timeout.Token)
                .ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = Run(socket, key);
        connection.Post(Frame.Encode(FrameKind.Hello, 0, Encoding.UTF8.GetBytes($"{address}:{Self.Port}"), options.MaxFrameBytes));
        return connection;
    }

    private async Task AcceptAsync(Socket listening, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listening.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            try
            {
                KeepAlive(socket);
                Run(socket, socket.RemoteEndPoint?.ToString() ?? "?");
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException)
            {
                // That peer went at once; keep taking the others.
                socket.Dispose();
            }
        }
    }

    /// <summary>
    /// No delay for small frames, TCP keep-alive probes (after 5 s idle, every 1 s, 3 unanswered) and a 10 s limit on
    /// unacknowledged data: a peer that vanished without a reset (power lost, a cut link) ends the connection
    /// in about 8–10 s instead of never.
    /// </summary>
    private static void KeepAlive(Socket socket)
    {
        socket.NoDelay = true;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 5);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 1);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
        if (OperatingSystem.IsLinux())
        {
            // TCP_USER_TIMEOUT: data sent and not acknowledged for 10 s ends the connection (keep-alive only probes an
            // idle one): calls in flight to a silo cut off or gone fail "may have run" then, not at their timeout (a paused
            // process's kernel still acknowledges: its calls wait for their deadline).
            socket.SetRawSocketOption(6, 18, BitConverter.GetBytes(10_000));
        }
    }

    private SiloConnection Run(Socket socket, string peer)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        var connection = new SiloConnection(new DuplexPipe(PipeReader.Create(stream), PipeWriter.Create(stream)), peer, options, OnFrameAsync);
        running[connection] = RunAsync(connection, stream);
        return connection;
    }

    private async Task RunAsync(SiloConnection connection, NetworkStream stream)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync(stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            // Forgotten by identity; one cached before its dial completed is found closed by the next caller and dialled again.
            foreach (var (key, dialled) in connections)
            {
                if (dialled.IsValueCreated && dialled.Value.IsCompletedSuccessfully && dialled.Value.Result == connection)
                {
                    connections.TryRemove(new KeyValuePair<string, Lazy<Task<SiloConnection>>>(key, dialled));
                }
            }
            running.TryRemove(connection, out _);
        }
    }

    private ValueTask OnFrameAsync(SiloConnection connection, Frame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.Hello:
                // The dialling silo: calls to it may go back on this connection.
                connection.Peer = Encoding.UTF8.GetString(frame.Body);
                connections.TryAdd(connection.Peer, new Lazy<Task<SiloConnection>>(Task.FromResult(connection)));
                break;
            case FrameKind.Request:
                // Off the read loop: decoding a large call and the grain's synchronous part must not hold back other frames.
                // Its deadline counts from its arrival, not from when the pool gets to it.
                ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Transport.AnswerAsync(state.Connection, state.Frame, state.ArrivedMs),
                    (Transport: this, Connection: connection, Frame: frame, ArrivedMs: RuntimeClock.NowMs), preferLocal: false);
                break;
            case FrameKind.HandOver:
                HandOverNoticed?.Invoke();
                break;
            default:
                throw new InvalidDataException($"a frame of unknown kind {(byte)frame.Kind} from {connection.Peer}");
        }
        return ValueTask.CompletedTask;
    }

    private async Task AnswerAsync(SiloConnection connection, Frame frame, long arrivedMs)
    {
        Metrics.Received();
        IRemotableCall? call = null;
        byte[] answer;
        try
        {
            var (timeoutMs, target, invoker, args) = WireCodec.ReadRequest(frame.Body);
            var result = invoker.Receive(runtime, target, args, arrivedMs + timeoutMs, out var delivered);
            call = delivered;
            var value = await result.ConfigureAwait(false);
            answer = WireCodec.Answer(frame.Correlation, Outcome.Ok, WireCodec.Result(value, invoker.ResultType), options.MaxFrameBytes);
        }
        catch (Exception error)
        {
            answer = Failed(frame.Correlation, call is { Started: false } ? Outcome.Refused : Outcome.Fault, error);
        }
        connection.Post(answer);
    }

    private byte[] Failed(long correlation, Outcome outcome, Exception error)
    {
        try
        {
            return WireCodec.Answer(correlation, outcome, RemoteErrors.Write(error), options.MaxFrameBytes);
        }
        catch (Exception unencodable)
        {
            return WireCodec.Answer(correlation, outcome, RemoteErrors.Write(new RemoteGrainException(error.GetType().FullName!, unencodable.Message, null)),
                options.MaxFrameBytes);
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
