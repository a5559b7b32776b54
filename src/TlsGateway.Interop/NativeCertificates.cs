namespace TlsGateway.Interop;

/// <summary>Certificate chains and trust stores parsed by OpenSSL from PEM bytes.</summary>
public static class NativeCertificates
{
    public static SafeCertificateChainHandle LoadChain(ReadOnlySpan<byte> pem, string what)
    {
        SafeCertificateChainHandle chain = TlsGwNative.X509ChainLoadPem(pem, pem.Length);
        if (chain.IsInvalid)
        {
            chain.Dispose();
            throw OpenSslException.FromErrorQueue($"parse certificate chain {what} (expected one or more PEM CERTIFICATE blocks)");
        }

        return chain;
    }

    public static int Count(SafeCertificateChainHandle chain) => TlsGwNative.X509ChainCount(chain);

    public static SafeTrustStoreHandle CreateTrustStore(ReadOnlySpan<byte> pem, string what)
    {
        SafeTrustStoreHandle store = TlsGwNative.X509StoreCreate(pem, pem.Length);
        if (store.IsInvalid)
        {
            store.Dispose();
            throw OpenSslException.FromErrorQueue($"parse trust bundle {what} (expected one or more PEM CERTIFICATE blocks)");
        }

        return store;
    }
}
