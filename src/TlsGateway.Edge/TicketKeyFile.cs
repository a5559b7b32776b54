using System.Security.Cryptography;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// A fleet's shared session-ticket keys in a file: 1 to 8 keys of 80 bytes back to back (Envoy's
/// and nginx's key format), the first one encrypting. Like a private key, the file must not be
/// readable by others.
/// </summary>
public static class TicketKeyFile
{
    public static void LoadInto(TicketKeyRing ring, string path)
    {
        byte[] content = Read(path);
        try
        {
            Install(ring, content);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }

    /// <summary>Installs keys read by <see cref="Read"/> (1-8 keys of 80 bytes, back to back).</summary>
    public static void Install(TicketKeyRing ring, byte[] content)
    {
        var keys = new ReadOnlyMemory<byte>[content.Length / TicketKeyRing.KeyLength];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = content.AsMemory(i * TicketKeyRing.KeyLength, TicketKeyRing.KeyLength);
        }

        ring.SetKeys(keys);
    }

    /// <summary>Reads and checks the file (permissions, size); the caller wipes the result.</summary>
    public static byte[] Read(string path)
    {
        byte[] content;
        try
        {
            UnixFileMode mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new TlsConfigurationException($"session ticket key file '{path}' is accessible to other users; chmod 600 it");
            }

            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsConfigurationException($"cannot read session ticket key file '{path}': {e.Message}", e);
        }

        if (content.Length == 0 || content.Length % TicketKeyRing.KeyLength != 0 || content.Length / TicketKeyRing.KeyLength > TicketKeyRing.MaxKeys)
        {
            int length = content.Length;
            CryptographicOperations.ZeroMemory(content);
            throw new TlsConfigurationException(
                $"session ticket key file '{path}' is {length} bytes; it must hold 1 to {TicketKeyRing.MaxKeys} keys of exactly {TicketKeyRing.KeyLength} bytes");
        }

        return content;
    }
}
