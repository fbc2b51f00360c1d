using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace ClearingCluster.Runtime.Transport;

/// <summary>
/// One connection between two silos, used both ways: calls out and their answers, calls in and ours. Frames are
/// written by one loop, which flushes once for all that queued meanwhile; calls waiting for an answer are kept by
/// correlation id, at most <see cref="TransportOptions.MaxInFlightPerConnection"/> of them. When the connection ends,
/// every call still waiting fails as "may have run": it was sent.
/// </summary>
internal sealed class SiloConnection
{
    private readonly PipeReader input;
    private readonly PipeWriter output;
    private readonly TransportOptions options;
    private readonly Func<SiloConnection, Frame, ValueTask> incoming;
    private readonly Channel<byte[]> outbound = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, TaskCompletionSource<Frame>> waiting = new();
    private readonly CancellationTokenSource closing = new();
    private long nextCorrelation;
    private int inFlight;

    public SiloConnection(IDuplexPipe pipe, string peer, TransportOptions options, Func<SiloConnection, Frame, ValueTask> incoming)
    {
        (input, output, Peer, this.options, this.incoming) = (pipe.Input, pipe.Output, peer, options, incoming);
    }

    /// <summary>The other silo's endpoint, as it said (<see cref="FrameKind.Hello"/>) or as dialled.</summary>
    public string Peer { get; set; }

    /// <summary>The connection ended (or is ending): nothing more goes out on it; a caller dials afresh.</summary>
    public bool IsClosed => closing.IsCancellationRequested;

    /// <summary>Runs until the connection ends; then fails every call still waiting.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, closing.Token);
        var writing = WriteLoopAsync(linked.Token);
        try
        {
            await ReadLoopAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or InvalidDataException or FrameTooLargeException
            or System.Net.Sockets.SocketException)
        {
            // The connection ended; every waiting call fails below.
        }
        finally
        {
            await closing.CancelAsync().ConfigureAwait(false);
            outbound.Writer.TryComplete();
            try
            {
                await writing.ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or IOException or System.Net.Sockets.SocketException
                or ObjectDisposedException or InvalidOperationException)
            {
                // Already ending.
            }
            try
            {
                await input.CompleteAsync().ConfigureAwait(false);
                await output.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception error) when (error is ObjectDisposedException or IOException or System.Net.Sockets.SocketException)
            {
                // The socket went first (stopping): nothing more to send or read.
            }
            foreach (var (correlation, call) in waiting)
            {
                if (waiting.TryRemove(correlation, out _))
                {
                    call.TrySetException(new SiloCallFailedException(Peer, mayHaveRun: true, "the connection closed"));
                }
            }
        }
    }

    public void Close() => closing.Cancel();

    /// <summary>Sends a request and waits for its answer until <paramref name="timeout"/>.</summary>
    /// <exception cref="SiloCallFailedException">Refused before sending (too many in flight, connection closed), or no answer came.</exception>
    public async Task<Frame> CallAsync(Func<long, byte[]> frame, TimeSpan timeout)
    {
        if (Interlocked.Increment(ref inFlight) > options.MaxInFlightPerConnection)
        {
            Interlocked.Decrement(ref inFlight);
            throw new SiloCallFailedException(Peer, mayHaveRun: false,
                $"{options.MaxInFlightPerConnection} calls in flight on the connection, its limit (Clearing:Transport:MaxInFlightPerConnection)");
        }
        var correlation = Interlocked.Increment(ref nextCorrelation);
        var answer = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            if (IsClosed)
            {
                throw new SiloCallFailedException(Peer, mayHaveRun: false, "the connection is closing");
            }
            var bytes = frame(correlation);
            waiting[correlation] = answer;
            if (!outbound.Writer.TryWrite(bytes))
            {
                waiting.TryRemove(correlation, out _);
                throw new SiloCallFailedException(Peer, mayHaveRun: false, "the connection is closing");
            }
            return await answer.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            waiting.TryRemove(correlation, out _);
            throw new SiloCallFailedException(Peer, mayHaveRun: true, $"no answer within {timeout.TotalMilliseconds:0} ms");
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }

    /// <summary>Queues a frame that wants no answer (an answer itself, a hello, a notice); false once the connection is closing.</summary>
    public bool Post(byte[] frame) => outbound.Writer.TryWrite(frame);

    private async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            var reader = outbound.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    output.Write(frame);
                }
                var flushed = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            // A write that failed ends the connection: the read loop stops and every waiting call fails at once,
            // rather than each waiting out its timeout on a connection nothing leaves any more.
            await closing.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            while (Frame.TryRead(ref buffer, options.MaxFrameBytes, out var frame))
            {
                if (frame.Kind == FrameKind.Response)
                {
                    if (waiting.TryRemove(frame.Correlation, out var call))
                    {
                        call.TrySetResult(frame);
                    }
                    // Else its caller stopped waiting (timed out): the late answer is dropped.
                }
                else
                {
                    await incoming(this, frame).ConfigureAwait(false);
                }
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                Debug.Assert(!read.IsCanceled || cancellationToken.IsCancellationRequested, "reads are cancelled only when closing");
                return;
            }
        }
    }
}
