namespace TlsGateway.Interop;

/// <summary>
/// SM3 (GB/T 32905) and HMAC-SM3 from libcrypto. Thin and checked: every output buffer is
/// measured here, since the shim writes fixed 32-byte results; every failure drains the error
/// queue into an <see cref="OpenSslException"/>. TlsGateway.Crypto.ShangMi builds the
/// friendlier types on top.
/// </summary>
public static class NativeSm3
{
    public const int DigestLength = 32;

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        CheckOutput(digest);
        if (TlsGwNative.Sm3Digest(data, data.Length, digest) != 1)
        {
            throw OpenSslException.FromErrorQueue("SM3 digest");
        }
    }

    public static SafeSm3Handle Create() => Check(TlsGwNative.Sm3Create(), "create SM3 context");

    /// <summary>An independent context continuing from <paramref name="ctx"/>'s state.</summary>
    public static SafeSm3Handle Duplicate(SafeSm3Handle ctx) => Check(TlsGwNative.Sm3Duplicate(ctx), "copy SM3 context");

    public static void Update(SafeSm3Handle ctx, ReadOnlySpan<byte> data)
    {
        if (TlsGwNative.Sm3Update(ctx, data, data.Length) != 1)
        {
            throw OpenSslException.FromErrorQueue("SM3 update");
        }
    }

    /// <summary>The digest so far; <paramref name="ctx"/> carries on as if nothing happened.</summary>
    public static void Current(SafeSm3Handle ctx, Span<byte> digest)
    {
        CheckOutput(digest);
        if (TlsGwNative.Sm3Current(ctx, digest) != 1)
        {
            throw OpenSslException.FromErrorQueue("SM3 current digest");
        }
    }

    /// <summary>Finishes the digest and restarts <paramref name="ctx"/> empty.</summary>
    public static void Final(SafeSm3Handle ctx, Span<byte> digest)
    {
        CheckOutput(digest);
        if (TlsGwNative.Sm3Final(ctx, digest) != 1)
        {
            throw OpenSslException.FromErrorQueue("SM3 final");
        }
    }

    /// <summary>An HMAC-SM3 context keyed with <paramref name="key"/> (OpenSSL copies it; the caller wipes its own).</summary>
    public static SafeSm3HmacHandle CreateHmac(ReadOnlySpan<byte> key) =>
        Check(TlsGwNative.Sm3HmacCreate(key, key.Length), "create HMAC-SM3 context");

    public static void UpdateHmac(SafeSm3HmacHandle ctx, ReadOnlySpan<byte> data)
    {
        if (TlsGwNative.Sm3HmacUpdate(ctx, data, data.Length) != 1)
        {
            throw OpenSslException.FromErrorQueue("HMAC-SM3 update");
        }
    }

    /// <summary>Finishes the MAC and restarts <paramref name="ctx"/> with the same key.</summary>
    public static void FinalHmac(SafeSm3HmacHandle ctx, Span<byte> mac)
    {
        CheckOutput(mac);
        if (TlsGwNative.Sm3HmacFinal(ctx, mac) != 1)
        {
            throw OpenSslException.FromErrorQueue("HMAC-SM3 final");
        }
    }

    private static void CheckOutput(Span<byte> output)
    {
        if (output.Length < DigestLength)
        {
            throw new ArgumentException($"an SM3 output needs {DigestLength} bytes, not {output.Length}", nameof(output));
        }
    }

    private static T Check<T>(T handle, string operation)
        where T : System.Runtime.InteropServices.SafeHandle
    {
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw OpenSslException.FromErrorQueue(operation);
        }

        return handle;
    }
}
