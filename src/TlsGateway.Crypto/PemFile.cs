namespace TlsGateway.Crypto;

/// <summary>Reads PEM files with a size cap, turning I/O failures into errors that name the file.</summary>
public static class PemFile
{
    public static byte[] Read(string path, int maxBytes, string what)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new CryptoConfigurationException($"{what} file '{path}' does not exist");
            }

            if (info.Length > maxBytes)
            {
                throw new CryptoConfigurationException($"{what} file '{path}' is {info.Length} bytes; the limit is {maxBytes}");
            }

            if (info.Length == 0)
            {
                throw new CryptoConfigurationException($"{what} file '{path}' is empty");
            }

            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CryptoConfigurationException($"cannot read {what} file '{path}': {e.Message}", e);
        }
    }
}
