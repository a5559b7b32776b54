namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// The argument rules <see cref="Sm4Gcm"/> and <see cref="Sm4Ccm"/> share: the RFC 8998 §2
/// shapes (12-byte nonce, 16-byte tag), equal input and output lengths, and outputs that are the
/// input's own memory or somewhere else entirely.
/// </summary>
internal static class AeadArguments
{
    public const int NonceSizeInBytes = 12;
    public const int TagSizeInBytes = 16;

    public static void Check(ReadOnlySpan<byte> nonce, int inputLength, int outputLength, int tagLength,
        ReadOnlySpan<byte> input, ReadOnlySpan<byte> output)
    {
        if (nonce.Length != NonceSizeInBytes)
        {
            // RFC 8998 §2: the TLS 1.3 per-record nonce (RFC 8446 §5.3) is 12 bytes for both suites.
            throw new ArgumentException($"the SM4 AEAD nonce is {NonceSizeInBytes} bytes, not {nonce.Length}", nameof(nonce));
        }

        if (tagLength != TagSizeInBytes)
        {
            // RFC 8998 §2: full 16-byte tags only; truncated tags are a non-goal.
            throw new ArgumentException($"the SM4 AEAD tag is {TagSizeInBytes} bytes, not {tagLength}", "tag");
        }

        if (outputLength != inputLength)
        {
            throw new ArgumentException($"the output must be as long as the input ({inputLength} bytes), not {outputLength}", "output");
        }

        Sm4.CheckInPlaceOrDisjoint(input, output);
    }
}
