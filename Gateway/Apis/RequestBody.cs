using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace ClearingCluster.Gateway.Apis;

/// <summary>
/// A request body read whole into a pooled buffer, under a bound: refused with 413 before reading when the declared
/// length is over it, and as soon as the bytes read pass it. Dispose returns the buffer.
/// </summary>
public sealed class RequestBody : IDisposable
{
    private byte[] buffer;

    private RequestBody(byte[] buffer, int length)
    {
        this.buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => buffer.AsMemory(0, Length);

    public static async Task<RequestBody> ReadAsync(HttpContext context, long bytesMax, string what)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = bytesMax;
        }
        if (context.Request.ContentLength > bytesMax)
        {
            throw new BadHttpRequestException($"{what} is at most {bytesMax} bytes", StatusCodes.Status413PayloadTooLarge);
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(bytesMax, context.Request.ContentLength ?? 16 * 1024) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= bytesMax)
                    {
                        throw new BadHttpRequestException($"{what} is at most {bytesMax} bytes", StatusCodes.Status413PayloadTooLarge);
                    }
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(bytesMax + 1, (long)buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
            if (length > bytesMax)
            {
                throw new BadHttpRequestException($"{what} is at most {bytesMax} bytes", StatusCodes.Status413PayloadTooLarge);
            }
            return new RequestBody(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        var returned = Interlocked.Exchange(ref buffer, []);
        if (returned.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(returned);
        }
    }
}
