namespace TlsGateway.Interop;

/// <summary>Certificate chains, trust stores and CRLs parsed by OpenSSL from bytes.</summary>
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

    /// <summary>Every PEM "X509 CRL" block of <paramref name="data"/>, or the one DER CRL it holds.</summary>
    public static SafeRevocationListHandle LoadRevocationLists(ReadOnlySpan<byte> data, string what)
    {
        SafeRevocationListHandle crls = TlsGwNative.X509CrlListLoad(data, data.Length);
        if (crls.IsInvalid)
        {
            crls.Dispose();
            throw OpenSslException.FromErrorQueue($"parse CRL {what} (expected PEM X509 CRL blocks or one DER CRL)");
        }

        return crls;
    }

    /// <summary>
    /// Adds <paramref name="crls"/> to <paramref name="store"/> and turns on revocation checking of
    /// the leaf: from then on a leaf whose issuer has no current CRL in the store fails to verify.
    /// </summary>
    /// <returns>How many CRLs were added.</returns>
    public static int AddRevocationLists(SafeTrustStoreHandle store, SafeRevocationListHandle crls, string what)
    {
        int added = TlsGwNative.X509StoreAddCrls(store, crls);
        if (added <= 0)
        {
            throw OpenSslException.FromErrorQueue($"add CRL {what} to the trust store");
        }

        return added;
    }
}
